import { httpError } from './http-error.ts';

export type Params = Record<string, string>;

interface Route<Ctx, Res> {
  readonly method: string;
  readonly pattern: RegExp;
  readonly keys: readonly string[];
  readonly handle: (params: Params, ctx: Ctx) => Res;
}

/**
 * Method + path routing over patterns like `/models/{name}/predict`; tells an unknown path (404)
 * from a known path called with the wrong method (405 with Allow).
 */
export class Router<Ctx, Res> {
  private readonly routes: Route<Ctx, Res>[] = [];

  on(method: string, template: string, handle: (params: Params, ctx: Ctx) => Res): this {
    const keys: string[] = [];
    const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handle });
    return this;
  }

  dispatch(method: string, path: string, ctx: Ctx): Res {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Params = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(match[i + 1]!);
      });
      return route.handle(params, ctx);
    }
    if (allowed.length) {
      throw httpError(405, `method ${method} not allowed on ${path}`, [], { Allow: allowed.join(', ') });
    }
    throw httpError(404, `no route for ${method} ${path}`);
  }
}
