// Start Swagger UI on the engine's document, relative to this page (/api/docs), so that it
// works at the engine's root and behind the ingress prefix alike; "Try it out" calls the
// engine where this page was reached, not the host's root the document's `servers` names.
// The pinned bundle is Swagger UI 4, which renders OpenAPI 3.0 only and refuses a 3.1
// document outright; it is shown the document as 3.0.3 (operations, parameters and schemas
// render; a 3.1 `null` type shows as such).
(async () => {
  const root = new URL("..", window.location.href).href;
  const response = await fetch(new URL("api/v1/openapi.json", root));
  const spec = await response.json();
  spec.openapi = "3.0.3";
  spec.servers = [{ url: root.replace(/\/$/, "") }];
  window.ui = SwaggerUIBundle({
    spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
})();
