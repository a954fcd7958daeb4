/* Starts Swagger UI on /api/v1/docs from a file, as the Content-Security-Policy allows no
 * inline script. The document's URL comes from the page; no request leaves this server
 * (validatorUrl: null turns off the badge that would ask validator.swagger.io). */
(function () {
  "use strict";
  window.addEventListener("DOMContentLoaded", function () {
    const root = document.getElementById("swagger-ui");
    window.ui = window.SwaggerUIBundle({
      url: root.dataset.specUrl,
      domNode: root,
      deepLinking: true,
      validatorUrl: null,
      tryItOutEnabled: false,
      persistAuthorization: false,
    });
  });
})();
