// MathJax 3 configuration for pymdownx.arithmatex (generic mode); MathJax itself is a local copy
// (tex-svg-full.js from the django-static-mathjax package) so formulas render offline.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex|md-nav__link|md-ellipsis" },  // math in headings: TOC too
  loader: { load: [] },
};
