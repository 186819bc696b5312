// The API's documentation page (api/views.py: docs): Swagger UI over the schema, started from
// this file because the Content Security Policy allows no inline script.
(function () {
  const root = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
