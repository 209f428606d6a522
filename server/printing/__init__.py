"""Ticket printing on ESC/POS thermal printers: the ticket as a raster image, the printer's
byte stream, and a print queue per printer with retries and status."""
