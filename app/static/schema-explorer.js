// Starts the API explorer at /schema (app/web/explorer.py): Swagger UI or Redoc, whichever
// element the page has, on the OpenAPI document named by its data-spec-url. Both viewers are
// vendored under /static/vendor; nothing is loaded from elsewhere.
(function () {
  "use strict";
  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: swagger.getAttribute("data-spec-url"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    });
  }
  var redoc = document.getElementById("redoc");
  if (redoc && window.Redoc) {
    window.Redoc.init(redoc.getAttribute("data-spec-url"), { disableSearch: true }, redoc);
  }
})();
