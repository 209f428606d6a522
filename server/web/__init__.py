"""The web layer: the Starlette application, its JSON API, pages and screens, the checks every
request passes (sign-in, same-origin writes, security headers) and the WebSocket endpoint."""
