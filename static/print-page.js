// A printable page (ticket, self-service slip): the print button, and printing at once when asked.
document.getElementById("print").addEventListener("click", () => window.print());
if (document.body.dataset.print === "1") {
  window.addEventListener("load", () => setTimeout(() => window.print(), 300));
}
