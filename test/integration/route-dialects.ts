/**
 * Which dialect a route belongs to, and that dialect's documented error shape: shared by the tests that walk
 * the app's route table (hostile input, the cross-tenant matrix).
 */
export type Dialect = 'native' | 'admin' | 'mluvii' | 'kore' | 'evo' | 'docs' | 'ops';

export function dialectOf(url: string): Dialect {
  const path = url.toLowerCase();
  if (path.startsWith('/docs')) return 'docs';
  if (['/healthz', '/readyz', '/metrics'].includes(path)) return 'ops';
  if (path.startsWith('/v1/tenants')) return 'admin';
  if (path.startsWith('/v1/')) return 'native';
  // The dashboard's page and bundle files (src/dashboard): errors in the native shape.
  if (path === '/' || path.startsWith('/ui/')) return 'native';
  if (path.startsWith('/api/public/')) return 'kore';
  if (path.startsWith('/api/v1/') || path.startsWith('/login/')) return 'mluvii';
  return 'evo';
}

/** The dialect's documented error shape. */
export function errorShapeOk(dialect: Dialect, url: string, status: number, body: string): boolean {
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {
    // Evo answers errors in the format asked for (XML, CSV) too; everything else is JSON.
    return dialect === 'evo' && /responseStatus|ResponseStatus|ErrorResponse/i.test(body);
  }
  switch (dialect) {
    case 'native':
    case 'admin':
    case 'ops':
      return typeof json?.error?.code === 'string' && typeof json.error.message === 'string';
    case 'mluvii':
      if (url.startsWith('/login/')) return typeof json?.error === 'string';
      return json?.status === status && typeof json.title === 'string';
    case 'kore':
      return Array.isArray(json?.errors) && typeof json.errors[0]?.msg === 'string';
    case 'evo':
      return typeof (json?.responseStatus ?? json?.ResponseStatus) === 'object';
    case 'docs':
      return true;
  }
}
