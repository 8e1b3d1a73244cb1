"""bwmo's UI kit: base forms and widgets, charts, the Excel writer, middleware, context
processors, the base templates and the static files. It imports no domain app: every domain
app builds its screens on it (docs/architecture.md, "Layers")."""
