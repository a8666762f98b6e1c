"""Surveys: NPS, CSAT, CES, eNPS and custom questionnaires; links, hosted pages, results."""
