import { IncomingMessage, ServerResponse, createServer, type Server, type ServerOptions } from 'node:http';
import type { Express } from 'express';

/**
 * The HTTP server for an express app, creating each request and response with the app's
 * prototypes from the start. Plain `createServer(app)` makes node:http objects that express then
 * re-parents (`Object.setPrototypeOf(req, app.request)` in app.handle, and the same for res) on
 * every call. V8 handles that badly: under load it doubled the CPU of express's own request path,
 * and the re-parented objects outlived the young generation (about 12 KB per call promoted, so
 * more full collections of the service's 30 MB heap). With the prototypes already in place the
 * swap is a no-op. Measured on a 5 KB patient-view call: 0.518 -> 0.369 ms CPU, peak RSS
 * 191 -> 176 MB (docs/performance-notebook.md).
 *
 * Call once per app, before it serves: it points `app.request` and `app.response` at the new
 * prototypes, which carry express's request and response methods and `app` as before.
 */
export function createAppServer(app: Express, options: ServerOptions = {}): Server {
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  adoptPrototype(AppRequest.prototype, app.request);
  adoptPrototype(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as unknown as Express['request'];
  app.response = AppResponse.prototype as unknown as Express['response'];
  return createServer({ ...options, IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
}

/** Gives `target` what `prototype` offers: its own properties (express sets `app` there) and everything it inherits. */
function adoptPrototype(target: object, prototype: object): void {
  Object.setPrototypeOf(target, Object.getPrototypeOf(prototype));
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(prototype));
}
