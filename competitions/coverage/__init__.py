"""Coverage report (覆盖面和受益面): unique students, participations, applicants, schools and outreach
reach per school year across every programme, by region, town/country, gender, division and ethnic
autonomous county; penetration per 1,000 enrolled; year over year; map, charts, workbook and PDF."""
