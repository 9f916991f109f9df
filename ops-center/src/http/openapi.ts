/** OpenAPI 3.1 description of the ops-center API, served at /api/openapi.json. */

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = { description: 'The request was refused; `error` says why.', ...json({ $ref: '#/components/schemas/Error' }) };
const ok = (description: string, schema: object = { type: 'object' }) => ({ description, ...json(schema) });
const query = (name: string, description: string, required = false, schema: object = { type: 'string' }) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const path = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const role = (r: 'viewer' | 'operator' | 'admin') => ({ 'x-role': r, security: [{ session: [] }] });
const list = (items: object) => ({ type: 'array', items });

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'LopHoc ops-center API',
    version: '1',
    description:
      'District operations center. Log in with POST /api/login; the session cookie then authorises the other calls. `x-role` is the least role needed (viewer < operator < admin).',
  },
  components: {
    securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'lophoc_session' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
      Latest: {
        type: 'object',
        properties: {
          site: { type: 'string' },
          node: { type: 'string' },
          device: { type: 'string' },
          name: { type: 'string' },
          value: { type: 'number' },
          ts: { type: 'integer' },
          unit: { type: 'string' },
        },
      },
      Command: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          site: { type: 'string' },
          node: { type: 'string' },
          device: { type: 'string' },
          method: { type: 'string' },
          params: { type: 'object' },
          status: { enum: ['queued', 'sent', 'done', 'failed', 'expired'] },
          createdAt: { type: 'integer' },
          expiresAt: { type: 'integer' },
          by: { type: 'string' },
          result: {},
          error: { type: 'string' },
        },
      },
      Alert: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          rule: { type: 'string' },
          target: { type: 'string' },
          severity: { enum: ['info', 'warning', 'critical'] },
          message: { type: 'string' },
          raisedAt: { type: 'integer' },
          clearedAt: { type: 'integer' },
          ackedAt: { type: 'integer' },
          ackedBy: { type: 'string' },
        },
      },
    },
  },
  paths: {
    '/api/health': { get: { summary: 'Liveness and ingest counters', responses: { 200: ok('Health') } } },
    '/metrics': { get: { summary: 'Prometheus metrics (text format 0.0.4)', responses: { 200: { description: 'Metrics' } } } },
    '/api/openapi.json': { get: { summary: 'This document', responses: { 200: ok('OpenAPI document') } } },
    '/api/login': {
      post: {
        summary: 'Log in; sets the session cookie',
        requestBody: json({
          type: 'object',
          required: ['username', 'password'],
          properties: { username: { type: 'string' }, password: { type: 'string' } },
        }),
        responses: { 200: ok('The operator and role'), 401: error, 429: error },
      },
    },
    '/api/logout': { post: { summary: 'End the session', responses: { 200: ok('Logged out') } } },
    '/api/me': { get: { summary: 'Who is logged in', responses: { 200: ok('Operator'), 401: error } } },
    '/api/latest': {
      get: {
        summary: 'Last value of every reading',
        ...role('viewer'),
        responses: { 200: ok('Readings', list({ $ref: '#/components/schemas/Latest' })) },
      },
    },
    '/api/nodes': {
      get: {
        summary: 'Nodes with devices, availability and reasons, last seen',
        ...role('viewer'),
        responses: { 200: ok('Nodes', list({ type: 'object' })) },
      },
    },
    '/api/fleet': {
      get: {
        summary: 'Site tree city → ward → school/center → room with status counts',
        ...role('viewer'),
        responses: { 200: ok('Tree', list({ type: 'object' })) },
      },
    },
    '/api/gaps': {
      get: {
        summary: 'Ranges of seq never received between received ones, per node',
        ...role('viewer'),
        parameters: [query('site', 'site id'), query('node', 'node id')],
        responses: {
          200: ok('Gaps', list({ type: 'object', properties: { site: {}, node: {}, from: { type: 'integer' }, to: { type: 'integer' } } })),
          400: error,
        },
      },
    },
    '/api/series': {
      get: {
        summary: 'Time series of one reading: raw [ts, value] or rollups [bucket, avg, min, max, count]',
        ...role('viewer'),
        parameters: [
          query('site', 'site id', true),
          query('node', 'node id', true),
          query('device', 'device id', true),
          query('name', 'reading name', true),
          query('from', 'ms since epoch', false, { type: 'integer' }),
          query('to', 'ms since epoch', false, { type: 'integer' }),
          query('resolution', 'raw, 1m or 1h', false, { enum: ['raw', '1m', '1h'] }),
        ],
        responses: { 200: ok('Points', list({ type: 'array', items: { type: 'number' } })), 400: error },
      },
    },
    '/api/live': {
      get: {
        summary: 'Server-sent events: latest, fleet, alert, command',
        ...role('viewer'),
        responses: { 200: { description: 'text/event-stream' } },
      },
    },
    '/api/sites': {
      get: {
        summary: 'Sites (schools and centers) with city and ward',
        ...role('viewer'),
        responses: { 200: ok('Sites', list({ type: 'object' })) },
      },
      put: {
        summary: 'Add or update sites',
        ...role('admin'),
        requestBody: json(list({ type: 'object' })),
        responses: { 200: ok('Count'), 400: error },
      },
    },
    '/api/alerts': {
      get: {
        summary: 'Alerts, newest first (active=true: not cleared; active=false: history)',
        ...role('viewer'),
        parameters: [query('active', 'true or false')],
        responses: { 200: ok('Alerts', list({ $ref: '#/components/schemas/Alert' })), 400: error },
      },
    },
    '/api/alerts/{id}/ack': {
      post: {
        summary: 'Acknowledge an alert (audited)',
        ...role('operator'),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { 200: ok('The alert', { $ref: '#/components/schemas/Alert' }), 404: error, 409: error },
      },
    },
    '/api/alert-rules': {
      get: { summary: 'Alert rules (data)', ...role('viewer'), responses: { 200: ok('Rules', list({ type: 'object' })) } },
      put: {
        summary: 'Replace the alert rules; unknown metrics are refused',
        ...role('admin'),
        requestBody: json(list({ type: 'object' })),
        responses: { 200: ok('Rules'), 400: error },
      },
    },
    '/api/commands': {
      get: {
        summary: 'Command history',
        ...role('viewer'),
        parameters: [query('status', 'comma-separated statuses'), query('site', 'site id'), query('node', 'node id')],
        responses: { 200: ok('Commands', list({ $ref: '#/components/schemas/Command' })), 400: error },
      },
      post: {
        summary: 'Send a command to a device with a TTL (queued while the node is offline; audited)',
        ...role('operator'),
        requestBody: json({
          type: 'object',
          required: ['site', 'node', 'device', 'method'],
          properties: { site: {}, node: {}, device: {}, method: {}, params: { type: 'object' }, ttlSeconds: { type: 'number' } },
        }),
        responses: {
          201: ok('Sent', { $ref: '#/components/schemas/Command' }),
          202: ok('Queued', { $ref: '#/components/schemas/Command' }),
          400: error,
          404: error,
        },
      },
    },
    '/api/commands/{id}': {
      get: {
        summary: 'One command and its status',
        ...role('viewer'),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: ok('Command', { $ref: '#/components/schemas/Command' }), 404: error },
      },
    },
    '/api/class-sessions': {
      get: {
        summary: 'Class sessions of a day',
        ...role('viewer'),
        parameters: [query('day', 'YYYY-MM-DD (Vietnam time)'), query('site', 'site id')],
        responses: { 200: ok('Sessions', list({ type: 'object' })), 400: error },
      },
      post: {
        summary: 'Schedule a class session in a room',
        ...role('operator'),
        requestBody: json({ type: 'object', required: ['site', 'room', 'title', 'start', 'end'] }),
        responses: { 201: ok('Session'), 400: error },
      },
    },
    '/api/attendance': {
      get: {
        summary: 'Attendance per room and session for a day, from card events',
        ...role('viewer'),
        parameters: [query('day', 'YYYY-MM-DD'), query('site', 'site id')],
        responses: { 200: ok('Attendance'), 400: error },
      },
    },
    '/api/attendance.csv': {
      get: {
        summary: 'The same as CSV (UTF-8 with BOM)',
        ...role('viewer'),
        parameters: [query('day', 'YYYY-MM-DD'), query('site', 'site id')],
        responses: { 200: { description: 'text/csv' }, 400: error },
      },
    },
    '/api/command-specs': {
      get: {
        summary: "Parameters of each device profile's commands (type, min/max, enum values, required), by profile and command",
        ...role('viewer'),
        responses: { 200: ok('Command specs by profile id and command name', { type: 'object' }) },
      },
    },
    '/api/screenshots': {
      get: {
        summary: "Each kiosk's latest screenshot (from the screenshot command): site, node, command id, mime, bytes, when",
        ...role('viewer'),
        responses: { 200: ok('Screenshots', list({ type: 'object' })) },
      },
    },
    '/api/screenshots/{site}/{node}': {
      get: {
        summary: "The kiosk's latest screenshot as an image (PNG or JPEG)",
        ...role('viewer'),
        parameters: [path('site', 'site id'), path('node', 'node id')],
        responses: { 200: { description: 'image/png or image/jpeg' }, 400: error, 404: error },
      },
    },
    '/api/kiosk-stats': {
      get: {
        summary: 'Kiosk sessions, searches, enrolments, feedback and ratings per day and center (MQTT and HTTP intake, each record once)',
        ...role('viewer'),
        parameters: [query('from', 'YYYY-MM-DD'), query('to', 'YYYY-MM-DD')],
        responses: { 200: ok('Statistics', list({ type: 'object' })), 400: error },
      },
    },
    '/api/users': {
      get: { summary: 'Operator accounts', ...role('admin'), responses: { 200: ok('Accounts', list({ type: 'object' })) } },
      post: {
        summary: 'Create or update an account (scrypt-hashed password)',
        ...role('admin'),
        requestBody: json({ type: 'object', required: ['username', 'password', 'role'] }),
        responses: { 201: ok('Account'), 400: error },
      },
    },
    '/api/audit': {
      get: {
        summary: 'Audit log of commands, acknowledgements and account changes',
        ...role('admin'),
        parameters: [query('limit', 'rows')],
        responses: { 200: ok('Entries', list({ type: 'object' })) },
      },
    },
  },
} as const;
