/** The console's one script (served as /console/console.js; the pages allow no inline script): filters apply on change. */
export const CONSOLE_SCRIPT = `document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
  s.addEventListener('change', function () { s.form.submit(); });
});
`;
