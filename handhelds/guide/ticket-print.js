// The printable ticket: the print button, and printing at once when the guide asked for it.
document.getElementById("print").addEventListener("click", () => window.print());
if (document.body.dataset.print === "1") {
  window.addEventListener("load", () => setTimeout(() => window.print(), 300));
}
