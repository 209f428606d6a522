"""What the office's past says: daily and hourly figures from the event log, forecasts,
staffing what-ifs and the reports people read (CSV, print)."""
