"""What is run and who takes part: events, categories, registration, entries, members."""
