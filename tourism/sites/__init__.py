"""Ticketed tourist sites and the daily visits their managers report (form, CSV, API)."""
