"""The live layer: each site's hub (commands one at a time, the state folded from the log), the
wire protocol, WebSocket connections and their outboxes, and the fan-out of view changes."""
