#!/usr/bin/env node
/*
 * Portcullis <-> Authup 1.0.0-beta.26 SDK compatibility driver.
 *
 * Exercises the real @authup/core-http-kit + @authup/server-adapter-kit
 * (exact 1.0.0-beta.26, see package-lock.json) against a running server.
 *
 *   BASE_URL=http://127.0.0.1:3001 node driver.mjs
 *
 * env:
 *   BASE_URL                  server base URL (default http://127.0.0.1:3001)
 *   ADMIN_USER / ADMIN_PASSWORD  (default admin / start123)
 *   STRICT_LOCAL_PERMISSIONS=1   also require verifyLocal() to return a NON-empty
 *                               permissions array (real Authup beta.26 returns []
 *                               because its JWTs carry no `permissions` claim)
 *   VERBOSE=1                 print error bodies / stacks for failures
 *
 * Output: one line per check, `PASS name` or `FAIL name: reason`; exit 1 if any FAIL.
 */

import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';

// NOTE: the ESM build of @authup/server-kit@1.0.0-beta.26 is broken
// (re-exports the type-only `ClientOptions` from redis-extension), so
// load everything through the CJS entry points.
const require = createRequire(import.meta.url);
const { Client, getClientErrorCode, isClientError } = require('@authup/core-http-kit');
const { TokenVerifier } = require('@authup/server-adapter-kit');

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:3001').replace(/\/+$/, '');
const ADMIN_USER = process.env.ADMIN_USER || 'admin';
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD || 'start123';
const STRICT_LOCAL_PERMISSIONS = process.env.STRICT_LOCAL_PERMISSIONS === '1';
const VERBOSE = process.env.VERBOSE === '1';

const RUN = randomBytes(4).toString('hex'); // unique suffix per run
const NAMES = {
    realm: `pc-realm-${RUN}`,
    user: `pcu-${RUN}-a`,
    user2: `pcu-${RUN}-b`,
    user3: `pcu-${RUN}-c`,
    role: `pc-role-${RUN}`,
    permission: `pc-perm-${RUN}`,
    scope: `pc-scope-${RUN}`,
    client: `pc-client-${RUN}`,
};
const USER_PASSWORD = 'pc-pass-12345';
const CLIENT_SECRET = `pc-secret-${RUN}-${randomBytes(8).toString('hex')}`;
const REDIRECT_URI = 'https://example.com/callback';

// ---------------------------------------------------------------------------
// tiny harness
// ---------------------------------------------------------------------------

const results = [];
const S = {}; // shared state between checks

class Skip extends Error {}

function need(...keys) {
    const missing = keys.filter((k) => S[k] === undefined || S[k] === null);
    if (missing.length > 0) {
        throw new Skip(`prerequisite missing: ${missing.join(', ')}`);
    }
}

function assert(cond, msg) {
    if (!cond) throw new Error(msg);
}

function eq(actual, expected, what) {
    if (actual !== expected) {
        throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
}

function short(v, n = 300) {
    let s;
    try { s = typeof v === 'string' ? v : JSON.stringify(v); } catch { s = String(v); }
    if (s === undefined) s = String(v);
    return s.length > n ? `${s.slice(0, n)}...` : s;
}

function describeError(e) {
    if (e instanceof Skip) return `skipped (${e.message})`;
    if (isClientError(e)) {
        const status = e.response ? e.response.status : 'no-response';
        const body = e.response ? e.response.data : undefined;
        return `HTTP ${status} ${short(body)} [${e.message}]`;
    }
    return (e && e.message) || String(e);
}

async function check(name, fn) {
    try {
        await fn();
        results.push({ name, ok: true });
        console.log(`PASS ${name}`);
    } catch (e) {
        results.push({ name, ok: false });
        console.log(`FAIL ${name}: ${describeError(e).replace(/\s+/g, ' ')}`);
        if (VERBOSE && e && e.stack && !(e instanceof Skip)) console.log(e.stack);
    }
}

/** Run fn, require it to throw a hapic ClientError with the given HTTP status(es). */
async function expectHttpError(fn, statuses) {
    let result;
    try {
        result = await fn();
    } catch (e) {
        assert(isClientError(e), `expected HTTP error, got ${e && e.message}`);
        assert(e.response, `expected HTTP error response, got network error: ${e.message}`);
        const list = Array.isArray(statuses) ? statuses : [statuses];
        if (statuses !== undefined) {
            assert(list.includes(e.response.status), `expected HTTP ${list.join('|')}, got ${e.response.status} ${short(e.response.data)}`);
        }
        return e;
    }
    throw new Error(`expected an HTTP error, got success: ${short(result)}`);
}

/** Authup error body: {statusCode, code, message, ...}; SDK copies body.message into error.message. */
function assertErrorBody(e, status) {
    const body = e.response.data;
    assert(body && typeof body === 'object', `error body is not parsed JSON (content-type must be application/json): ${short(body)}`);
    assert(typeof body.code === 'string' && body.code.length > 0, `error body.code must be a non-empty string: ${short(body)}`);
    assert(typeof body.message === 'string', `error body.message must be a string: ${short(body)}`);
    eq(body.statusCode, status, 'error body.statusCode');
    eq(e.message, body.message, 'SDK error.message (copied from body.message)');
    eq(getClientErrorCode(e), body.code, 'getClientErrorCode(err)');
}

function isUUID(v) {
    return typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
}

function isISODate(v) {
    return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));
}

function decodeJwt(token) {
    assert(typeof token === 'string', 'token is not a string');
    const parts = token.split('.');
    eq(parts.length, 3, 'JWT segment count');
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return { header, payload, parts };
}

/** Record (bare object) shape used by every entity endpoint. */
function assertRecord(rec, what) {
    assert(rec && typeof rec === 'object' && !Array.isArray(rec), `${what}: expected a bare JSON object, got ${short(rec)}`);
    assert(!('data' in rec && 'meta' in rec), `${what}: single-record endpoints must return the bare record, not {data, meta}`);
    assert(isUUID(rec.id), `${what}: id must be a UUID, got ${short(rec.id)}`);
}

/** Collection shape: {data: [], meta: {total, limit, offset}} */
function assertCollection(res, what) {
    assert(res && typeof res === 'object', `${what}: expected object, got ${short(res)}`);
    assert(Array.isArray(res.data), `${what}: expected {data: [...]}, got ${short(res)}`);
    assert(res.meta && typeof res.meta === 'object', `${what}: expected meta object, got ${short(res)}`);
    assert(typeof res.meta.total === 'number', `${what}: meta.total must be a number, got ${short(res.meta)}`);
    for (const item of res.data) {
        assert(item && typeof item === 'object' && !Array.isArray(item), `${what}: data items must be objects`);
    }
    return res.data;
}

function assertTimestamps(rec, what) {
    for (const k of ['created_at', 'updated_at']) {
        if (k in rec) {
            assert(isISODate(rec[k]), `${what}: ${k} must be an ISO-8601 string, got ${short(rec[k])}`);
        }
    }
}

function assertNoCamelCase(rec, what) {
    // beta.26 wire is snake_case; camelCase keys mean the server speaks the post-beta.54 dialect
    const camel = Object.keys(rec).filter((k) => /^[a-z]+[A-Z]/.test(k));
    assert(camel.length === 0, `${what}: unexpected camelCase keys ${camel.join(',')} (beta.26 expects snake_case)`);
}

function newClient(token) {
    const c = new Client({ baseURL: BASE_URL });
    if (token) c.setAuthorizationHeader({ type: 'Bearer', token });
    return c;
}

function b64url(buf) {
    return Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ---------------------------------------------------------------------------
// checks
// ---------------------------------------------------------------------------

const anon = newClient();
let api = newClient(); // admin client, authorization header set after login

async function main() {
    console.log(`# BASE_URL=${BASE_URL} run=${RUN}`);

    // ---------------- status / discovery / keys -------------------------
    await check('status GET / (raw fetch; SDK does not read it)', async () => {
        const res = await fetch(`${BASE_URL}/`, { headers: { accept: 'application/json' } });
        eq(res.status, 200, 'HTTP status');
        const ct = res.headers.get('content-type') || '';
        assert(ct.includes('application/json'), `content-type must be application/json, got ${ct}`);
        const body = await res.json();
        assert(body && typeof body.version === 'string', `status doc must have version string: ${short(body)}`);
        assert(typeof body.timestamp === 'number' || typeof body.date === 'string', `status doc must have timestamp (beta.26) or date (current): ${short(body)}`);
    });

    await check('client.getWellKnownOpenIDConfiguration', async () => {
        const doc = await anon.getWellKnownOpenIDConfiguration();
        assert(doc && typeof doc === 'object', `expected object, got ${short(doc)}`);
        for (const k of ['issuer', 'authorization_endpoint', 'jwks_uri', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'userinfo_endpoint']) {
            assert(typeof doc[k] === 'string' && doc[k].length > 0, `missing ${k}: ${short(doc)}`);
        }
        assert(/\/token$/.test(new URL(doc.token_endpoint).pathname), `token_endpoint should end with /token: ${doc.token_endpoint}`);
        assert(/\/token\/introspect$/.test(new URL(doc.introspection_endpoint).pathname), `introspection_endpoint: ${doc.introspection_endpoint}`);
        assert(/\/jwks$/.test(new URL(doc.jwks_uri).pathname), `jwks_uri: ${doc.jwks_uri}`);
        assert(Array.isArray(doc.response_types_supported) && doc.response_types_supported.includes('code'), 'response_types_supported must include code');
        S.discovery = doc;
    });

    // ---------------- password grant -------------------------------------
    await check('token.createWithPassword (admin)', async () => {
        const t = await anon.token.createWithPassword({ username: ADMIN_USER, password: ADMIN_PASSWORD });
        assert(typeof t.access_token === 'string', `no access_token: ${short(t)}`);
        assert(/^bearer$/i.test(t.token_type), `token_type: ${t.token_type}`);
        assert(typeof t.expires_in === 'number' && t.expires_in > 0, `expires_in must be a positive number: ${short(t.expires_in)}`);
        assert(typeof t.refresh_token === 'string', 'password grant must return refresh_token');
        const { header, payload, parts } = decodeJwt(t.access_token);
        // TokenVerifier.extractTokenHeader uses atob(): header segment must be plain-base64-decodable
        try { JSON.parse(atob(parts[0])); } catch (e) { throw new Error(`JWT header not decodable with atob() (TokenVerifier requirement): ${e.message}`); }
        assert(typeof header.kid === 'string' && header.kid.length > 0, `JWT header.kid missing: ${short(header)}`);
        assert(/^(RS|PS)(256|384|512)$/.test(header.alg), `JWT alg should be RS*/PS* for TokenVerifier.verifyLocal, got ${header.alg}`);
        eq(payload.kind, 'access_token', 'payload.kind');
        eq(payload.sub_kind, 'user', 'payload.sub_kind');
        assert(isUUID(payload.sub), `payload.sub must be a user UUID: ${short(payload.sub)}`);
        assert(isUUID(payload.realm_id), `payload.realm_id must be a UUID: ${short(payload.realm_id)}`);
        eq(payload.realm_name, 'master', 'payload.realm_name');
        assert(Number.isInteger(payload.exp) && Number.isInteger(payload.iat), `payload.exp and payload.iat must be integers: ${short(payload)}`);
        assert(payload.exp > payload.iat, 'payload.exp must be > iat');
        assert(typeof payload.jti === 'string' && payload.jti.length > 0, 'payload.jti missing');
        assert(typeof payload.scope === 'string' && payload.scope.split(' ').includes('global'), `payload.scope should contain "global": ${short(payload.scope)}`);
        S.adminToken = t.access_token;
        S.adminRefresh = t.refresh_token;
        S.adminPayload = payload;
        S.adminId = payload.sub;
        S.masterRealmId = payload.realm_id;
        S.kid = header.kid;
        api = newClient(t.access_token);
    });

    await check('token.createWithPassword (realm_id=master name)', async () => {
        const t = await anon.token.createWithPassword({ username: ADMIN_USER, password: ADMIN_PASSWORD, realm_id: 'master' });
        const { payload } = decodeJwt(t.access_token);
        eq(payload.realm_name, 'master', 'payload.realm_name');
    });

    await check('token.createWithPassword (wrong password -> error body)', async () => {
        const e = await expectHttpError(() => anon.token.createWithPassword({ username: ADMIN_USER, password: 'definitely-wrong' }), [400, 401]);
        assertErrorBody(e, e.response.status);
        assert(typeof e.response.data.error === 'string', `token endpoint errors should carry OAuth2 "error": ${short(e.response.data)}`);
    });

    await check('unauthenticated GET /users -> 401 error body', async () => {
        const e = await expectHttpError(() => anon.user.getMany(), 401);
        assertErrorBody(e, 401);
    });

    await check('client.getJwks', async () => {
        need('kid');
        const res = await anon.getJwks();
        // SDK types say OAuth2JsonWebKey[], but Authup beta.26 actually returns {keys: [...]}
        const keys = Array.isArray(res) ? res : res && res.keys;
        assert(Array.isArray(keys), `expected {keys: [...]}, got ${short(res)}`);
        assert(!Array.isArray(res), 'Authup returns {keys:[...]} (JWKS), not a bare array');
        const k = keys.find((x) => x.kid === S.kid);
        assert(k, `JWKS does not contain token kid ${S.kid}: ${short(keys.map((x) => x.kid))}`);
        for (const key of keys) assert(!('d' in key), 'JWKS must not contain private key material (d)');
    });

    await check('client.getJwk(kid)', async () => {
        need('kid');
        const jwk = await anon.getJwk(S.kid);
        assert(jwk && typeof jwk === 'object' && !Array.isArray(jwk), `expected bare JWK, got ${short(jwk)}`);
        eq(jwk.kid, S.kid, 'jwk.kid');
        eq(jwk.kty, 'RSA', 'jwk.kty');
        assert(typeof jwk.alg === 'string' && jwk.alg.length > 0, 'jwk.alg is REQUIRED (jose.importJWK in TokenVerifier.verifyLocal throws without it)');
        assert(typeof jwk.n === 'string' && typeof jwk.e === 'string', 'jwk.n / jwk.e missing');
        assert(!('d' in jwk), 'jwk must be public (no d)');
    });

    await check('client.getJwk(unknown) -> 404', async () => {
        await expectHttpError(() => anon.getJwk('00000000-0000-4000-8000-000000000000'), [400, 404]);
    });

    // ---------------- userinfo / introspection ---------------------------
    await check('userInfo.get (admin, global scope)', async () => {
        need('adminToken');
        const info = await anon.userInfo.get(S.adminToken);
        assert(info && typeof info === 'object', `expected object, got ${short(info)}`);
        eq(info.id, S.adminId, 'userinfo.id (beta.26 returns the user record from /users/@me)');
        eq(info.name, ADMIN_USER, 'userinfo.name');
        eq(info.realm_id, S.masterRealmId, 'userinfo.realm_id');
        assert(!('password' in info), 'userinfo must not expose password');
        assertNoCamelCase(info, 'userinfo');
    });

    await check('token.introspect (admin)', async () => {
        need('adminToken');
        const r = await anon.token.introspect({ token: S.adminToken });
        eq(r.active, true, 'introspection.active');
        eq(r.sub, S.adminId, 'introspection.sub');
        eq(r.kind, 'access_token', 'introspection.kind');
        eq(r.sub_kind, 'user', 'introspection.sub_kind');
        eq(r.realm_id, S.masterRealmId, 'introspection.realm_id');
        eq(r.realm_name, 'master', 'introspection.realm_name');
        assert(Number.isInteger(r.exp) && Number.isInteger(r.iat) && r.exp > r.iat, `introspection exp/iat required (TokenVerifier caches for exp-iat s): ${short(r)}`);
        assert(Array.isArray(r.permissions) && r.permissions.length > 0, `introspection.permissions must be a non-empty array: ${short(r.permissions)}`);
        for (const p of r.permissions) assert(p && typeof p.name === 'string', `permission items must be {name, client_id, realm_id}: ${short(p)}`);
        const names = r.permissions.map((p) => p.name);
        for (const n of ['user_create', 'user_read', 'realm_create', 'permission_create']) {
            assert(names.includes(n), `admin permissions should include ${n}`);
        }
        S.adminPermissionNames = names;
    });

    await check('token.introspect (with Bearer auth header inherited)', async () => {
        need('adminToken');
        const r = await api.token.introspect({ token: S.adminToken }, { authorizationHeaderInherit: true });
        eq(r.active, true, 'introspection.active');
    });

    await check('token.introspect (garbage token)', async () => {
        // Authup beta.26: throws (400 invalid_token). RFC 7662 / current Authup: 200 {active:false}.
        let r;
        try {
            r = await anon.token.introspect({ token: 'not-a-jwt-but-long-enough-0123456789' });
        } catch (e) {
            assert(isClientError(e) && e.response && e.response.status >= 400 && e.response.status < 500, `expected 4xx or {active:false}, got ${describeError(e)}`);
            assertErrorBody(e, e.response.status);
            return;
        }
        eq(r.active, false, 'introspection.active for garbage token');
    });

    // ---------------- refresh grant --------------------------------------
    await check('token.createWithRefreshToken', async () => {
        need('adminRefresh');
        const { payload: rp } = decodeJwt(S.adminRefresh);
        eq(rp.kind, 'refresh_token', 'refresh token payload.kind');
        const t = await anon.token.createWithRefreshToken({ refresh_token: S.adminRefresh });
        assert(typeof t.access_token === 'string' && t.access_token !== S.adminToken, 'new access_token expected');
        assert(typeof t.refresh_token === 'string' && t.refresh_token !== S.adminRefresh, 'rotated refresh_token expected');
        const { payload } = decodeJwt(t.access_token);
        eq(payload.sub, S.adminId, 'refreshed payload.sub');
        eq(payload.kind, 'access_token', 'refreshed payload.kind');
        S.usedRefresh = S.adminRefresh;
        S.adminRefresh2 = t.refresh_token;
        S.adminToken2 = t.access_token;
    });

    await check('token.createWithRefreshToken (reuse of rotated refresh token rejected)', async () => {
        need('usedRefresh');
        const e = await expectHttpError(() => anon.token.createWithRefreshToken({ refresh_token: S.usedRefresh }));
        assert(e.response.status >= 400 && e.response.status < 500, `expected 4xx, got ${e.response.status}`);
        assertErrorBody(e, e.response.status);
    });

    // ---------------- realm ---------------------------------------------
    await check('realm.getMany (filter name=master)', async () => {
        const res = await anon.realm.getMany({ filters: { name: 'master' } });
        const data = assertCollection(res, 'realm.getMany');
        eq(data.length, 1, 'number of realms named master');
        eq(data[0].name, 'master', 'realm.name');
        if (S.masterRealmId) eq(data[0].id, S.masterRealmId, 'master realm id vs token realm_id');
        S.masterRealmId = S.masterRealmId || data[0].id;
        assertTimestamps(data[0], 'realm');
        assertNoCamelCase(data[0], 'realm');
    });

    await check('realm.getOne (by id)', async () => {
        need('masterRealmId');
        const r = await anon.realm.getOne(S.masterRealmId);
        assertRecord(r, 'realm.getOne');
        eq(r.name, 'master', 'realm.name');
        eq(r.built_in, true, 'master realm built_in');
    });

    await check('realm.getOne (by name)', async () => {
        need('masterRealmId');
        const r = await anon.realm.getOne('master');
        eq(r.id, S.masterRealmId, 'realm.id');
    });

    await check('realm.create', async () => {
        need('adminToken');
        const r = await api.realm.create({ name: NAMES.realm, display_name: 'PC Realm', description: 'created by driver' });
        assertRecord(r, 'realm.create');
        eq(r.name, NAMES.realm, 'realm.name');
        eq(r.display_name, 'PC Realm', 'realm.display_name');
        eq(r.built_in, false, 'realm.built_in');
        assertTimestamps(r, 'realm.create');
        S.realmId = r.id;
    });

    await check('realm.update (POST /realms/:id)', async () => {
        need('realmId');
        const r = await api.realm.update(S.realmId, { display_name: 'PC Realm Updated' });
        eq(r.id, S.realmId, 'realm.id');
        eq(r.display_name, 'PC Realm Updated', 'realm.display_name');
        eq(r.name, NAMES.realm, 'realm.name unchanged');
    });

    await check('realm.createOrUpdate (PUT /realms/:name, existing -> update)', async () => {
        need('realmId');
        const r = await api.realm.createOrUpdate(NAMES.realm, { name: NAMES.realm, description: 'updated by PUT' });
        eq(r.id, S.realmId, 'PUT on existing name must update the same record');
        eq(r.description, 'updated by PUT', 'realm.description');
    });

    await check('realm.getMany (~like, sort, page)', async () => {
        need('realmId');
        const res = await api.realm.getMany({
            filters: { name: `~pc-realm-${RUN}` }, sort: { name: 'DESC' }, page: { limit: 5, offset: 0 },
        });
        const data = assertCollection(res, 'realm.getMany');
        assert(data.some((x) => x.id === S.realmId), `~like did not find ${NAMES.realm}: ${short(data)}`);
        eq(res.meta.limit, 5, 'meta.limit');
        eq(res.meta.offset, 0, 'meta.offset');
    });

    // ---------------- users ----------------------------------------------
    await check('user.create', async () => {
        need('adminToken', 'masterRealmId');
        const u = await api.user.create({
            name: NAMES.user,
            email: `${NAMES.user}@example.com`,
            password: USER_PASSWORD,
            display_name: 'PC User A',
            first_name: 'Porty',
            last_name: 'Cullis',
            realm_id: S.masterRealmId,
        });
        assertRecord(u, 'user.create');
        eq(u.name, NAMES.user, 'user.name');
        eq(u.display_name, 'PC User A', 'user.display_name');
        eq(u.realm_id, S.masterRealmId, 'user.realm_id');
        assert(u.active === true, `user.active should default to true: ${short(u.active)}`);
        assertTimestamps(u, 'user.create');
        assertNoCamelCase(u, 'user.create');
        S.userId = u.id;
    });

    await check('user.create (second + third user for list/sort/page checks)', async () => {
        need('adminToken', 'masterRealmId');
        const b = await api.user.create({ name: NAMES.user2, realm_id: S.masterRealmId, display_name: 'PC User B' });
        const c = await api.user.create({ name: NAMES.user3, realm_id: S.masterRealmId, display_name: 'PC User C' });
        eq(b.name, NAMES.user2, 'user2.name');
        eq(c.name, NAMES.user3, 'user3.name');
        S.user2Id = b.id;
        S.user3Id = c.id;
    });

    await check('user.create (invalid body -> 400 error body)', async () => {
        need('adminToken');
        const e = await expectHttpError(() => api.user.create({ name: 'a b' }), 400);
        assertErrorBody(e, 400);
    });

    await check('user.getOne', async () => {
        need('userId');
        const u = await api.user.getOne(S.userId);
        assertRecord(u, 'user.getOne');
        eq(u.name, NAMES.user, 'user.name');
        assert(!('password' in u) || u.password === null || u.password === undefined, 'user.getOne must not expose password');
        assertTimestamps(u, 'user.getOne');
    });

    await check('user.getOne (include=realm)', async () => {
        need('userId');
        const u = await api.user.getOne(S.userId, { include: ['realm'] });
        assert(u.realm && typeof u.realm === 'object', `include=realm must embed realm object: ${short(u)}`);
        eq(u.realm.name, 'master', 'user.realm.name');
    });

    await check('user.getOne (fields=+email)', async () => {
        need('userId');
        const u = await api.user.getOne(S.userId, { fields: ['+email'] });
        eq(u.email, `${NAMES.user}@example.com`, 'user.email via fields=+email');
        eq(u.name, NAMES.user, 'default fields kept with +email');
    });

    await check('user.getMany (~like filter)', async () => {
        need('userId');
        const res = await api.user.getMany({ filters: { name: `~pcu-${RUN}-` } });
        const data = assertCollection(res, 'user.getMany');
        const names = data.map((x) => x.name).sort();
        eq(JSON.stringify(names), JSON.stringify([NAMES.user, NAMES.user2, NAMES.user3].sort()), '~like result names');
        eq(res.meta.total, 3, 'meta.total');
    });

    await check('user.getMany (exact filter)', async () => {
        need('userId');
        const res = await api.user.getMany({ filters: { name: NAMES.user } });
        const data = assertCollection(res, 'user.getMany');
        eq(data.length, 1, 'exact filter count');
        eq(data[0].id, S.userId, 'exact filter id');
    });

    await check('user.getMany (!not filter)', async () => {
        need('userId', 'user2Id', 'user3Id');
        // id IN (A,B,C) AND name != A  -> B, C
        const res = await api.user.getMany({ filters: { id: [S.userId, S.user2Id, S.user3Id], name: `!${NAMES.user}` } });
        const ids = assertCollection(res, 'user.getMany').map((x) => x.id).sort();
        eq(JSON.stringify(ids), JSON.stringify([S.user2Id, S.user3Id].sort()), '!not result ids');
    });

    await check('user.getMany (list filter a,b)', async () => {
        need('userId', 'user2Id');
        const res = await api.user.getMany({ filters: { id: [S.userId, S.user2Id] } });
        const ids = assertCollection(res, 'user.getMany').map((x) => x.id).sort();
        eq(JSON.stringify(ids), JSON.stringify([S.userId, S.user2Id].sort()), 'IN result ids');
    });

    await check('user.getMany (fields=id,name)', async () => {
        need('userId');
        const res = await api.user.getMany({ filters: { id: S.userId }, fields: ['id', 'name'] });
        const data = assertCollection(res, 'user.getMany');
        eq(data.length, 1, 'count');
        eq(data[0].name, NAMES.user, 'name');
        assert(!('display_name' in data[0]), `fields=id,name must not return display_name: ${short(data[0])}`);
    });

    await check('user.getMany (sort -name, page[limit]/page[offset])', async () => {
        need('userId', 'user2Id', 'user3Id');
        const filters = { name: `~pcu-${RUN}-` };
        const desc = assertCollection(await api.user.getMany({ filters, sort: { name: 'DESC' } }), 'sort desc').map((x) => x.name);
        eq(JSON.stringify(desc), JSON.stringify([NAMES.user3, NAMES.user2, NAMES.user]), 'sort=-name order');
        const asc = assertCollection(await api.user.getMany({ filters, sort: { name: 'ASC' } }), 'sort asc').map((x) => x.name);
        eq(JSON.stringify(asc), JSON.stringify([NAMES.user, NAMES.user2, NAMES.user3]), 'sort=name order');
        const p1 = await api.user.getMany({ filters, sort: { name: 'ASC' }, page: { limit: 1, offset: 1 } });
        const d1 = assertCollection(p1, 'page');
        eq(d1.length, 1, 'page[limit]=1 item count');
        eq(d1[0].name, NAMES.user2, 'page[offset]=1 item');
        eq(p1.meta.total, 3, 'meta.total ignores pagination');
        eq(p1.meta.limit, 1, 'meta.limit');
        eq(p1.meta.offset, 1, 'meta.offset');
    });

    await check('user.getMany (include=realm)', async () => {
        need('userId');
        const res = await api.user.getMany({ filters: { id: S.userId }, include: ['realm'] });
        const data = assertCollection(res, 'user.getMany');
        assert(data[0] && data[0].realm && data[0].realm.name === 'master', `include=realm: ${short(data[0])}`);
    });

    await check('user.update (POST /users/:id)', async () => {
        need('userId');
        const u = await api.user.update(S.userId, { display_name: 'PC User A2' });
        eq(u.id, S.userId, 'user.id');
        eq(u.display_name, 'PC User A2', 'user.display_name');
        const again = await api.user.getOne(S.userId);
        eq(again.display_name, 'PC User A2', 'persisted display_name');
    });

    await check('user.createOrUpdate (PUT /users/:name existing -> update)', async () => {
        need('userId', 'masterRealmId');
        const u = await api.user.createOrUpdate(NAMES.user, { name: NAMES.user, display_name: 'PC User A3', realm_id: S.masterRealmId });
        eq(u.id, S.userId, 'PUT existing must keep id');
        eq(u.display_name, 'PC User A3', 'user.display_name');
    });

    await check('user.createOrUpdate (PUT /users/:name new -> create)', async () => {
        need('adminToken', 'masterRealmId');
        const name = `pcu-${RUN}-put`;
        const u = await api.user.createOrUpdate(name, { name, realm_id: S.masterRealmId });
        assertRecord(u, 'user.createOrUpdate');
        eq(u.name, name, 'user.name');
        S.userPutId = u.id;
    });

    await check('user.getOne (unknown id -> 404 error body)', async () => {
        need('adminToken');
        const e = await expectHttpError(() => api.user.getOne('00000000-0000-4000-8000-000000000000'), 404);
        assertErrorBody(e, 404);
    });

    await check('token.createWithPassword (created user) + userInfo.get', async () => {
        need('userId');
        const t = await anon.token.createWithPassword({ username: NAMES.user, password: USER_PASSWORD });
        const { payload } = decodeJwt(t.access_token);
        eq(payload.sub, S.userId, 'payload.sub');
        const info = await anon.userInfo.get(`Bearer ${t.access_token}`);
        eq(info.id, S.userId, 'userinfo.id');
        eq(info.name, NAMES.user, 'userinfo.name');
        S.userToken = t.access_token;
    });

    // ---------------- role / permission / scope / client ----------------
    await check('role.create', async () => {
        need('adminToken', 'masterRealmId');
        const r = await api.role.create({ name: NAMES.role, display_name: 'PC Role', description: 'driver role', realm_id: S.masterRealmId });
        assertRecord(r, 'role.create');
        eq(r.name, NAMES.role, 'role.name');
        eq(r.realm_id, S.masterRealmId, 'role.realm_id');
        assertTimestamps(r, 'role.create');
        assertNoCamelCase(r, 'role.create');
        S.roleId = r.id;
    });

    await check('role.getOne', async () => {
        need('roleId');
        const r = await api.role.getOne(S.roleId);
        eq(r.name, NAMES.role, 'role.name');
    });

    await check('role.getMany (~like)', async () => {
        need('roleId');
        const data = assertCollection(await api.role.getMany({ filters: { name: `~pc-role-${RUN}` } }), 'role.getMany');
        assert(data.some((x) => x.id === S.roleId), 'created role not found by ~like');
    });

    await check('role.update', async () => {
        need('roleId');
        const r = await api.role.update(S.roleId, { display_name: 'PC Role 2' });
        eq(r.display_name, 'PC Role 2', 'role.display_name');
    });

    await check('role.createOrUpdate (PUT existing)', async () => {
        need('roleId', 'masterRealmId');
        const r = await api.role.createOrUpdate(NAMES.role, { name: NAMES.role, description: 'driver role via PUT', realm_id: S.masterRealmId });
        eq(r.id, S.roleId, 'PUT existing keeps id');
        eq(r.description, 'driver role via PUT', 'role.description');
    });

    await check('permission.create', async () => {
        need('adminToken', 'masterRealmId');
        const p = await api.permission.create({ name: NAMES.permission, display_name: 'PC Permission', description: 'driver permission', realm_id: S.masterRealmId });
        assertRecord(p, 'permission.create');
        eq(p.name, NAMES.permission, 'permission.name');
        assertTimestamps(p, 'permission.create');
        assertNoCamelCase(p, 'permission.create');
        S.permissionId = p.id;
    });

    await check('permission.getOne', async () => {
        need('permissionId');
        const p = await api.permission.getOne(S.permissionId);
        eq(p.name, NAMES.permission, 'permission.name');
    });

    await check('permission.getMany (~like + exact)', async () => {
        need('permissionId');
        const data = assertCollection(await api.permission.getMany({ filters: { name: `~pc-perm-${RUN}` } }), 'permission.getMany');
        assert(data.some((x) => x.id === S.permissionId), 'created permission not found by ~like');
        const exact = assertCollection(await api.permission.getMany({ filters: { name: 'user_create' } }), 'permission.getMany exact');
        assert(exact.length >= 1 && exact.every((x) => x.name === 'user_create'), `exact filter name=user_create: ${short(exact)}`);
    });

    await check('permission.update', async () => {
        need('permissionId');
        const p = await api.permission.update(S.permissionId, { display_name: 'PC Permission 2' });
        eq(p.display_name, 'PC Permission 2', 'permission.display_name');
    });

    await check('permission.createOrUpdate (PUT existing)', async () => {
        need('permissionId', 'masterRealmId');
        const p = await api.permission.createOrUpdate(NAMES.permission, { name: NAMES.permission, description: 'via PUT', realm_id: S.masterRealmId });
        eq(p.id, S.permissionId, 'PUT existing keeps id');
        eq(p.description, 'via PUT', 'permission.description');
    });

    await check('rolePermission.create (admin role <- new permission; granter must own it)', async () => {
        // Authup's default permission policy includes PERMISSION_BINDING: to bind a permission to
        // anything, the actor must itself hold it. Binding to the role named "admin" is exempt.
        need('permissionId', 'masterRealmId');
        const roles = assertCollection(await api.role.getMany({ filters: { name: 'admin' } }), 'role.getMany admin');
        const adminRole = roles.find((r) => r.name === 'admin' && (r.realm_id === S.masterRealmId || r.realm_id === null)) || roles[0];
        assert(adminRole, 'built-in role "admin" not found');
        const r = await api.rolePermission.create({ role_id: adminRole.id, permission_id: S.permissionId });
        assertRecord(r, 'rolePermission.create');
        eq(r.role_id, adminRole.id, 'role_permission.role_id');
        S.adminRoleId = adminRole.id;
        S.adminRolePermissionId = r.id;
    });

    await check('scope.create', async () => {
        need('adminToken', 'masterRealmId');
        const s = await api.scope.create({ name: NAMES.scope, display_name: 'PC Scope', description: 'driver scope', realm_id: S.masterRealmId });
        assertRecord(s, 'scope.create');
        eq(s.name, NAMES.scope, 'scope.name');
        assertNoCamelCase(s, 'scope.create');
        S.scopeId = s.id;
    });

    await check('scope.getOne', async () => {
        need('scopeId');
        const s = await api.scope.getOne(S.scopeId);
        eq(s.name, NAMES.scope, 'scope.name');
    });

    await check('scope.getMany (built-in global + ~like)', async () => {
        need('scopeId');
        const g = assertCollection(await api.scope.getMany({ filters: { name: 'global' } }), 'scope.getMany global');
        assert(g.length >= 1 && g[0].name === 'global', `built-in scope "global" missing: ${short(g)}`);
        const data = assertCollection(await api.scope.getMany({ filters: { name: `~pc-scope-${RUN}` } }), 'scope.getMany');
        assert(data.some((x) => x.id === S.scopeId), 'created scope not found');
    });

    await check('scope.update', async () => {
        need('scopeId');
        const s = await api.scope.update(S.scopeId, { display_name: 'PC Scope 2' });
        eq(s.display_name, 'PC Scope 2', 'scope.display_name');
    });

    await check('scope.createOrUpdate (PUT existing)', async () => {
        need('scopeId', 'masterRealmId');
        const s = await api.scope.createOrUpdate(NAMES.scope, { name: NAMES.scope, description: 'via PUT scope', realm_id: S.masterRealmId });
        eq(s.id, S.scopeId, 'PUT existing keeps id');
    });

    await check('client.create', async () => {
        need('adminToken', 'masterRealmId');
        const c = await api.client.create({
            name: NAMES.client,
            display_name: 'PC Client',
            secret: CLIENT_SECRET,
            redirect_uri: REDIRECT_URI,
            is_confidential: true,
            realm_id: S.masterRealmId,
        });
        assertRecord(c, 'client.create');
        eq(c.name, NAMES.client, 'client.name');
        eq(c.redirect_uri, REDIRECT_URI, 'client.redirect_uri');
        eq(c.realm_id, S.masterRealmId, 'client.realm_id');
        assertNoCamelCase(c, 'client.create');
        S.clientId = c.id;
    });

    await check('client.getOne (fields=+secret)', async () => {
        need('clientId');
        const c = await api.client.getOne(S.clientId, { fields: ['+secret'] });
        eq(c.name, NAMES.client, 'client.name');
        eq(c.secret, CLIENT_SECRET, 'client.secret via fields=+secret');
        const plain = await api.client.getOne(S.clientId);
        assert(!plain.secret, 'client.secret must not be returned by default');
    });

    await check('client.getMany (~like)', async () => {
        need('clientId');
        const data = assertCollection(await api.client.getMany({ filters: { name: `~pc-client-${RUN}` } }), 'client.getMany');
        eq(data.length, 1, 'count');
        eq(data[0].id, S.clientId, 'client id');
    });

    await check('client.update', async () => {
        need('clientId');
        const c = await api.client.update(S.clientId, { display_name: 'PC Client 2' });
        eq(c.display_name, 'PC Client 2', 'client.display_name');
    });

    await check('client.createOrUpdate (PUT existing)', async () => {
        need('clientId', 'masterRealmId');
        const c = await api.client.createOrUpdate(NAMES.client, { name: NAMES.client, display_name: 'PC Client 3', realm_id: S.masterRealmId });
        eq(c.id, S.clientId, 'PUT existing keeps id');
        eq(c.display_name, 'PC Client 3', 'client.display_name');
    });

    // ---------------- junctions (order matters: bind role BEFORE giving it permissions,
    // Authup checks the actor owns a superset of the role's permissions) -----------
    await check('userRole.create', async () => {
        need('userId', 'roleId');
        const r = await api.userRole.create({ user_id: S.userId, role_id: S.roleId });
        assertRecord(r, 'userRole.create');
        eq(r.user_id, S.userId, 'user_role.user_id');
        eq(r.role_id, S.roleId, 'user_role.role_id');
        S.userRoleId = r.id;
    });

    await check('userRole.getOne / getMany', async () => {
        need('userRoleId');
        const one = await api.userRole.getOne(S.userRoleId);
        eq(one.user_id, S.userId, 'user_role.user_id');
        const data = assertCollection(await api.userRole.getMany({ filters: { user_id: S.userId } }), 'userRole.getMany');
        eq(data.length, 1, 'user_roles for user');
        eq(data[0].role_id, S.roleId, 'role_id');
        const inc = assertCollection(await api.userRole.getMany({ filters: { user_id: S.userId }, include: ['role'] }), 'userRole.getMany include');
        assert(inc[0].role && inc[0].role.name === NAMES.role, `include=role: ${short(inc[0])}`);
    });

    await check('clientRole.create', async () => {
        need('clientId', 'roleId');
        const r = await api.clientRole.create({ client_id: S.clientId, role_id: S.roleId });
        assertRecord(r, 'clientRole.create');
        eq(r.client_id, S.clientId, 'client_role.client_id');
        eq(r.role_id, S.roleId, 'client_role.role_id');
        S.clientRoleId = r.id;
    });

    await check('clientRole.getOne / getMany', async () => {
        need('clientRoleId');
        const one = await api.clientRole.getOne(S.clientRoleId);
        assertRecord(one, 'clientRole.getOne');
        eq(one.client_id, S.clientId, 'client_role.client_id');
        const data = assertCollection(await api.clientRole.getMany({ filters: { client_id: S.clientId } }), 'clientRole.getMany');
        eq(data.length, 1, 'client_roles for client');
    });

    await check('rolePermission.create', async () => {
        need('roleId', 'permissionId');
        const r = await api.rolePermission.create({ role_id: S.roleId, permission_id: S.permissionId });
        assertRecord(r, 'rolePermission.create');
        eq(r.role_id, S.roleId, 'role_permission.role_id');
        eq(r.permission_id, S.permissionId, 'role_permission.permission_id');
        S.rolePermissionId = r.id;
    });

    await check('rolePermission.getOne / getMany', async () => {
        need('rolePermissionId');
        const one = await api.rolePermission.getOne(S.rolePermissionId);
        eq(one.permission_id, S.permissionId, 'permission_id');
        const data = assertCollection(await api.rolePermission.getMany({ filters: { role_id: S.roleId } }), 'rolePermission.getMany');
        eq(data.length, 1, 'role_permissions for role');
    });

    await check('userPermission.create', async () => {
        need('user2Id', 'permissionId');
        const r = await api.userPermission.create({ user_id: S.user2Id, permission_id: S.permissionId });
        assertRecord(r, 'userPermission.create');
        eq(r.user_id, S.user2Id, 'user_permission.user_id');
        eq(r.permission_id, S.permissionId, 'user_permission.permission_id');
        S.userPermissionId = r.id;
    });

    await check('userPermission.getOne / getMany', async () => {
        need('userPermissionId');
        const one = await api.userPermission.getOne(S.userPermissionId);
        eq(one.user_id, S.user2Id, 'user_id');
        const data = assertCollection(await api.userPermission.getMany({ filters: { user_id: S.user2Id } }), 'userPermission.getMany');
        eq(data.length, 1, 'user_permissions for user2');
    });

    await check('clientPermission.create', async () => {
        need('clientId', 'permissionId');
        const r = await api.clientPermission.create({ client_id: S.clientId, permission_id: S.permissionId });
        assertRecord(r, 'clientPermission.create');
        eq(r.client_id, S.clientId, 'client_permission.client_id');
        S.clientPermissionId = r.id;
    });

    await check('clientPermission.getOne / getMany', async () => {
        need('clientPermissionId');
        const one = await api.clientPermission.getOne(S.clientPermissionId);
        eq(one.permission_id, S.permissionId, 'permission_id');
        const data = assertCollection(await api.clientPermission.getMany({ filters: { client_id: S.clientId } }), 'clientPermission.getMany');
        eq(data.length, 1, 'client_permissions for client');
    });

    await check('clientScope.create', async () => {
        need('clientId', 'scopeId');
        const r = await api.clientScope.create({ client_id: S.clientId, scope_id: S.scopeId });
        assertRecord(r, 'clientScope.create');
        eq(r.client_id, S.clientId, 'client_scope.client_id');
        eq(r.scope_id, S.scopeId, 'client_scope.scope_id');
        S.clientScopeId = r.id;
    });

    await check('clientScope.getOne / getMany', async () => {
        need('clientScopeId');
        const one = await api.clientScope.getOne(S.clientScopeId);
        eq(one.scope_id, S.scopeId, 'scope_id');
        const data = assertCollection(await api.clientScope.getMany({ filters: { client_id: S.clientId }, include: ['scope'] }), 'clientScope.getMany');
        eq(data.length, 1, 'client_scopes for client');
        assert(data[0].scope && data[0].scope.name === NAMES.scope, `include=scope: ${short(data[0])}`);
    });

    // ---------------- effective permissions ------------------------------
    await check('introspect: role permission reaches user (user_role + role_permission)', async () => {
        need('userRoleId', 'rolePermissionId');
        const t = await anon.token.createWithPassword({ username: NAMES.user, password: USER_PASSWORD });
        const r = await anon.token.introspect({ token: t.access_token });
        eq(r.active, true, 'active');
        const names = (r.permissions || []).map((p) => p.name);
        assert(names.includes(NAMES.permission), `expected ${NAMES.permission} in ${short(names)}`);
    });

    // ---------------- client credentials / authorization code -----------
    await check('token.createWithClientCredentials (body)', async () => {
        need('clientId');
        const t = await anon.token.createWithClientCredentials({ client_id: S.clientId, client_secret: CLIENT_SECRET });
        const { payload } = decodeJwt(t.access_token);
        eq(payload.sub_kind, 'client', 'payload.sub_kind');
        eq(payload.sub, S.clientId, 'payload.sub');
        eq(payload.client_id, S.clientId, 'payload.client_id');
        eq(payload.realm_id, S.masterRealmId, 'payload.realm_id');
        S.clientToken = t.access_token;
    });

    await check('token.createWithClientCredentials (Basic header)', async () => {
        need('clientId');
        const t = await anon.token.createWithClientCredentials(
            { client_id: S.clientId, client_secret: CLIENT_SECRET },
            { clientCredentialsAsHeader: true },
        );
        const { payload } = decodeJwt(t.access_token);
        eq(payload.sub, S.clientId, 'payload.sub');
    });

    await check('token.createWithClientCredentials (wrong secret -> error)', async () => {
        need('clientId');
        const e = await expectHttpError(() => anon.token.createWithClientCredentials({ client_id: S.clientId, client_secret: 'wrong-secret' }));
        assert(e.response.status === 400 || e.response.status === 401, `expected 400/401, got ${e.response.status}`);
        assertErrorBody(e, e.response.status);
    });

    await check('token.introspect (client token: permissions from client_permission + client_role)', async () => {
        need('clientToken', 'clientPermissionId');
        const r = await anon.token.introspect({ token: S.clientToken });
        eq(r.active, true, 'active');
        eq(r.sub_kind, 'client', 'sub_kind');
        const names = (r.permissions || []).map((p) => p.name);
        assert(names.includes(NAMES.permission), `expected ${NAMES.permission} in ${short(names)}`);
    });

    await check('authorize.confirm (POST /authorize) + token.createWithAuthorizationCode', async () => {
        need('clientId', 'clientScopeId', 'adminToken');
        const state = `state-${RUN}`;
        const res = await api.authorize.confirm({
            response_type: 'code', client_id: S.clientId, redirect_uri: REDIRECT_URI, scope: NAMES.scope, state,
        });
        assert(res && typeof res.url === 'string', `POST /authorize must return {url}: ${short(res)}`);
        const u = new URL(res.url);
        eq(`${u.origin}${u.pathname}`, REDIRECT_URI, 'redirect target');
        eq(u.searchParams.get('state'), state, 'state echoed');
        const code = u.searchParams.get('code');
        assert(code, `no code in ${res.url}`);
        const t = await anon.token.createWithAuthorizationCode({
            code, redirect_uri: REDIRECT_URI, client_id: S.clientId, client_secret: CLIENT_SECRET,
        });
        const { payload } = decodeJwt(t.access_token);
        eq(payload.sub, S.adminId, 'payload.sub');
        eq(payload.sub_kind, 'user', 'payload.sub_kind');
        eq(payload.client_id, S.clientId, 'payload.client_id');
        eq(payload.scope, NAMES.scope, 'payload.scope');
        assert(typeof t.refresh_token === 'string', 'authorization_code grant returns refresh_token');
    });

    await check('authorize.confirm (PKCE S256) + createWithAuthorizationCode(code_verifier)', async () => {
        need('clientId', 'clientScopeId', 'adminToken');
        const verifier = b64url(randomBytes(48));
        const challenge = b64url(createHash('sha256').update(verifier).digest());
        const res = await api.authorize.confirm({
            response_type: 'code', client_id: S.clientId, redirect_uri: REDIRECT_URI, scope: NAMES.scope,
            state: `pkce-${RUN}`, code_challenge: challenge, code_challenge_method: 'S256',
        });
        const code = new URL(res.url).searchParams.get('code');
        assert(code, 'no code');
        const bad = await expectHttpError(() => anon.token.createWithAuthorizationCode({
            code, redirect_uri: REDIRECT_URI, client_id: S.clientId, code_verifier: `${verifier}x`,
        }));
        assert(bad.response.status >= 400 && bad.response.status < 500, 'wrong verifier must be rejected with 4xx');
        // NB: a server that burns the code on a failed attempt is also RFC-fine; request a fresh code then.
        let code2 = code;
        try {
            const t = await anon.token.createWithAuthorizationCode({ code: code2, redirect_uri: REDIRECT_URI, client_id: S.clientId, code_verifier: verifier });
            assert(typeof t.access_token === 'string', 'no access_token');
            return;
        } catch (e) {
            if (!isClientError(e)) throw e;
        }
        const res2 = await api.authorize.confirm({
            response_type: 'code', client_id: S.clientId, redirect_uri: REDIRECT_URI, scope: NAMES.scope,
            state: `pkce2-${RUN}`, code_challenge: challenge, code_challenge_method: 'S256',
        });
        code2 = new URL(res2.url).searchParams.get('code');
        const t = await anon.token.createWithAuthorizationCode({ code: code2, redirect_uri: REDIRECT_URI, client_id: S.clientId, code_verifier: verifier });
        assert(typeof t.access_token === 'string', 'no access_token');
    });

    // ---------------- TokenVerifier --------------------------------------
    await check('TokenVerifier.verifyLocal (JWKS /jwks/:kid + RS256)', async () => {
        need('adminToken');
        const verifier = new TokenVerifier({ baseURL: BASE_URL });
        const out = await verifier.verifyLocal(S.adminToken);
        eq(out.sub, S.adminId, 'payload.sub');
        eq(out.realm_name, 'master', 'payload.realm_name');
        eq(out.kind, 'access_token', 'payload.kind');
        assert(Array.isArray(out.permissions), 'verifyLocal must return permissions array');
        if (STRICT_LOCAL_PERMISSIONS) {
            assert(out.permissions.length > 0 && out.permissions.every((p) => typeof p.name === 'string'), `verifyLocal permissions empty: ${short(out.permissions)}`);
        }
        // second call served from cache
        const again = await verifier.verifyLocal(S.adminToken);
        eq(again.sub, S.adminId, 'cached payload.sub');
    });

    await check('TokenVerifier.verifyLocal (tampered token rejected)', async () => {
        need('adminToken');
        const verifier = new TokenVerifier({ baseURL: BASE_URL });
        const [h, p, s] = S.adminToken.split('.');
        const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
        payload.sub = '00000000-0000-4000-8000-000000000000';
        const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
        let ok = false;
        try { await verifier.verifyLocal(forged); ok = true; } catch { /* expected */ }
        assert(!ok, 'forged token was accepted');
    });

    await check('TokenVerifier.verifyRemote (introspection, unauthenticated)', async () => {
        need('adminToken');
        const verifier = new TokenVerifier({ baseURL: BASE_URL });
        const out = await verifier.verifyRemote(S.adminToken);
        eq(out.active, true, 'active');
        eq(out.sub, S.adminId, 'sub');
        assert(Array.isArray(out.permissions) && out.permissions.length > 0, `verifyRemote permissions empty: ${short(out.permissions)}`);
        assert(out.permissions.every((p) => typeof p.name === 'string'), 'permission items need name');
        assert(out.permissions.some((p) => p.name === 'user_create'), 'admin remote permissions should include user_create');
    });

    await check('TokenVerifier.verify (creator=user admin -> remote w/ auth hook)', async () => {
        need('adminToken2');
        const verifier = new TokenVerifier({
            baseURL: BASE_URL,
            creator: { type: 'user', name: ADMIN_USER, password: ADMIN_PASSWORD },
        });
        const out = await verifier.verify(S.adminToken2);
        eq(out.active, true, 'active');
        eq(out.sub, S.adminId, 'sub');
        assert(Array.isArray(out.permissions) && out.permissions.length > 0, 'permissions empty');
    });

    await check('TokenVerifier.verifyRemote (garbage token -> JWTError)', async () => {
        const verifier = new TokenVerifier({ baseURL: BASE_URL });
        let out;
        try {
            out = await verifier.verifyRemote('garbage.garbage.garbage-0123456789');
        } catch (e) {
            // JWTError built from body.code/body.message/HTTP status (a network failure has e.cause = ClientError)
            assert(!(e.cause && isClientError(e.cause)), `introspection request failed without HTTP response: ${describeError(e.cause)}`);
            assert(typeof e.code === 'string' && e.code.length > 0, `JWTError.code missing: ${describeError(e)}`);
            assert(e.statusCode >= 400 && e.statusCode < 500, `JWTError.statusCode should mirror the 4xx HTTP status, got ${e.statusCode}`);
            return;
        }
        // RFC-style {active:false} passes through TokenVerifier unchecked (SDK does not look at `active`)
        eq(out.active, false, 'active');
    });

    // ---------------- revoke ---------------------------------------------
    await check('token.revoke (access token) -> introspect active=false, API 4xx', async () => {
        need('userId');
        const t = await anon.token.createWithPassword({ username: NAMES.user, password: USER_PASSWORD });
        const res = await anon.token.revoke({ token: t.access_token });
        // SDK returns the raw hapic Response here (not .data)
        assert(res && res.status >= 200 && res.status < 300, `revoke status ${res && res.status}`);
        const r = await anon.token.introspect({ token: t.access_token });
        eq(r.active, false, 'introspection.active after revoke');
        const e = await expectHttpError(() => anon.userInfo.get(t.access_token));
        assert(e.response.status === 400 || e.response.status === 401, `revoked token on API: expected 400/401, got ${e.response.status}`);
        assertErrorBody(e, e.response.status);
        assert(['inactive_token', 'invalid_token', 'expired_token'].includes(e.response.data.code), `revoked token error code should be a JWT code: ${e.response.data.code}`);
    });

    await check('token.revoke (refresh token) -> refresh rejected', async () => {
        need('adminRefresh2');
        const res = await anon.token.revoke({ token: S.adminRefresh2 });
        assert(res && res.status >= 200 && res.status < 300, `revoke status ${res && res.status}`);
        const e = await expectHttpError(() => anon.token.createWithRefreshToken({ refresh_token: S.adminRefresh2 }));
        assert(e.response.status >= 400 && e.response.status < 500, `expected 4xx, got ${e.response.status}`);
    });

    // ---------------- cleanup (also tests delete) -----------------------
    const deletions = [
        ['clientScope', 'clientScopeId'],
        ['clientPermission', 'clientPermissionId'],
        ['userPermission', 'userPermissionId'],
        ['rolePermission', 'rolePermissionId'],
        ['clientRole', 'clientRoleId'],
        ['userRole', 'userRoleId'],
        ['rolePermission', 'adminRolePermissionId'],
        ['client', 'clientId'],
        ['scope', 'scopeId'],
        ['permission', 'permissionId'],
        ['role', 'roleId'],
        ['user', 'userPutId'],
        ['user', 'user3Id'],
        ['user', 'user2Id'],
        ['user', 'userId'],
        ['realm', 'realmId'],
    ];
    for (const [domain, key] of deletions) {
        await check(`${domain}.delete (${key})`, async () => {
            need(key);
            const id = S[key];
            const r = await api[domain].delete(id);
            assert(r && typeof r === 'object', `delete should return the deleted record, got ${short(r)}`);
            eq(r.id, id, `${domain}.delete returned id`);
            const e = await expectHttpError(() => api[domain].getOne(id), [404]);
            assertErrorBody(e, 404);
        });
    }

    // ---------------- summary --------------------------------------------
    const failed = results.filter((r) => !r.ok);
    console.log(`# ${results.length - failed.length}/${results.length} passed`);
    process.exit(failed.length > 0 ? 1 : 0); // TTL caches / refresh timers keep the loop alive otherwise
}

main().catch((e) => {
    console.log(`FAIL driver crashed: ${describeError(e)}`);
    if (e && e.stack) console.log(e.stack);
    process.exit(2);
});
