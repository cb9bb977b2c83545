// Buttons marked data-print open the browser's print dialog (no inline script under the CSP).
// They stay hidden without JavaScript, where they could do nothing.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
