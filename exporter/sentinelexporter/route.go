package sentinelexporter

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// router picks the stream of a log record.
type router struct {
	routes   []StreamRoute
	fallback string
}

func newRouter(cfg *Config) *router {
	return &router{routes: cfg.StreamRoutes, fallback: cfg.StreamName}
}

// stream returns the stream of a record: the first route whose attribute, looked up on the
// record and then on its resource, has the route's value; else the fallback, which may be "".
func (r *router) stream(res pcommon.Resource, rec plog.LogRecord) string {
	for _, route := range r.routes {
		v, ok := rec.Attributes().Get(route.Attribute)
		if !ok {
			v, ok = res.Attributes().Get(route.Attribute)
		}
		if ok && v.AsString() == route.Value {
			return route.StreamName
		}
	}
	return r.fallback
}
