"""Entry documents (申报书, 研究报告, 查新报告, photos)."""
