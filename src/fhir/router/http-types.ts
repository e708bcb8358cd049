/**
 * The router's view of HTTP: no web framework type crosses this line (the medplum shape: a
 * framework-free router, adapters at the edge). The fastify adapter fills a FhirRequest and
 * writes the FhirResponse back.
 */
export interface FhirRequest {
  method: string;
  /** The path under the FHIR base, without the query: `Observation/123/_history/2`, or ''. */
  path: string;
  /** The full request path, as the access control sees it: `/fhir/Observation/123`. */
  fullPath: string;
  /** The query string's parameters, in order, repeats kept. */
  query: [string, string][];
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The raw body text, when there is one. */
  body?: string;
}

export interface FhirResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON text, or undefined for an empty body (204, `Prefer: return=minimal`). */
  body?: string;
}
