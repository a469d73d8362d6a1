package httpx

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the client's Prometheus collectors; a nil *metrics records
// nothing.
type metrics struct {
	requests *prometheus.CounterVec
	retries  *prometheus.CounterVec
	waits    *prometheus.CounterVec
	waitSecs *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ovia_connector_http_requests_total",
			Help: "Upstream HTTP attempts by source and status code (\"error\" for transport failures).",
		}, []string{"source", "code"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ovia_connector_http_retries_total",
			Help: "Upstream HTTP retries by source and reason (status code, transport, body).",
		}, []string{"source", "reason"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ovia_connector_rate_limit_waits_total",
			Help: "Waits imposed by upstream rate limits, by source.",
		}, []string{"source"}),
		waitSecs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ovia_connector_rate_limit_wait_seconds_total",
			Help: "Seconds spent waiting for upstream rate limits, by source.",
		}, []string{"source"}),
	}
	var err error
	m.requests, err = register(reg, m.requests)
	if err != nil {
		return nil, err
	}
	if m.retries, err = register(reg, m.retries); err != nil {
		return nil, err
	}
	if m.waits, err = register(reg, m.waits); err != nil {
		return nil, err
	}
	if m.waitSecs, err = register(reg, m.waitSecs); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or reuses the collector already registered under
// the same name (several connectors share one registry).
func register(reg prometheus.Registerer, c *prometheus.CounterVec) (*prometheus.CounterVec, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing, nil
			}
		}
		return nil, err
	}
	return c, nil
}

func (m *metrics) request(source, code string) {
	if m != nil {
		m.requests.WithLabelValues(source, code).Inc()
	}
}

func (m *metrics) retry(source, reason string) {
	if m != nil {
		m.retries.WithLabelValues(source, reason).Inc()
	}
}

func (m *metrics) rateLimitWait(source string, d time.Duration) {
	if m != nil {
		m.waits.WithLabelValues(source).Inc()
		m.waitSecs.WithLabelValues(source).Add(d.Seconds())
	}
}
