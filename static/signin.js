// Staff sign-in: POST /api/login, then go on to the page that asked for it.
const form = document.getElementById("signin");
const error = document.getElementById("signin-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const body = { id: form.elements.id.value.trim(), pin: form.elements.pin.value };
  try {
    const response = await fetch("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const reply = await response.json().catch(() => ({}));
      throw new Error(reply.message || `HTTP ${response.status}`);
    }
    // The server put only a path on this origin here (server/web/redirects.py).
    location.assign(form.dataset.next || "/");
  } catch (reason) {
    error.textContent = `サインインできませんでした / Could not sign in: ${reason.message}`;
    error.hidden = false;
    form.elements.pin.select();
  }
});
