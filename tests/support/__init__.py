"""Test support: live servers and clients, the domain harness, browsers, stand-ins for
printers, push services and Redis. Test modules import from here, never from each other."""
