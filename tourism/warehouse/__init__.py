"""The statistics warehouse: star schema, refresh (ETL), indicators, dashboard and open data."""
