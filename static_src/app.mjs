// SVD Portal front-end entry point, served as /static/govuk/app.mjs next to
// govuk-frontend.min.js. Load it with
//   <script type="module" src="{% static 'govuk/app.mjs' %}"></script>
// at the end of <body>. No inline scripts or handlers anywhere (strict CSP).
import { initAll } from "./govuk-frontend.min.js";

// GOV.UK Frontend only initialises components when <body> has the
// "govuk-frontend-supported" class. Its template sets that with an inline
// script, which a strict CSP blocks; module scripts only run in browsers that
// GOV.UK Frontend supports, so it is safe to set the classes here instead.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();

// Progressive enhancement: <button type="button" data-module="app-print">
// opens the browser's print dialog.
for (const button of document.querySelectorAll('[data-module="app-print"]')) {
  button.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
}
