package connectors

import "github.com/ovia-hq/ovia/connectors/internal/httpx"

// APIError is an upstream answer that is not retried (a 4xx other than
// 429) or that stayed bad after every retry: status, method, URL without
// secrets, request id and a body excerpt. Use errors.As to read it.
type APIError = httpx.APIError
