#!/usr/bin/env node
/*
 * Minimal in-memory imitation of the Authup 1.0.0-beta.26 HTTP API.
 *
 * Purpose: let driver.mjs be exercised end-to-end without a Portcullis binary
 * (PORT=3999 node mock/authup-mock.mjs & BASE_URL=http://127.0.0.1:3999 node driver.mjs).
 * It follows the wire shapes documented in ../WIRE.md; it is NOT a reference
 * implementation (no policies / permission-binding enforcement, no realms isolation).
 */
import http from 'node:http';
import { randomUUID, randomBytes, createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jose = require('jose');
const { parseQuery } = require('rapiq');

const PORT = Number(process.env.PORT || 3999);
const PUBLIC_URL = process.env.PUBLIC_URL || `http://127.0.0.1:${PORT}/`;
const ACCESS_MAX_AGE = 3600;
const REFRESH_MAX_AGE = 259200;

const now = () => new Date().toISOString();
const unix = () => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------ errors
class HttpErr extends Error {
    constructor(statusCode, code, message = '', data = {}) { super(message); this.statusCode = statusCode; this.code = code; this.data = data; }
}
const notFound = () => new HttpErr(404, 'NOT_FOUND', '');
const unauthorized = () => new HttpErr(401, 'UNAUTHORIZED', '');
const badRequest = (m = '', data = {}) => new HttpErr(400, 'BAD_REQUEST', m, data);
const jwtErr = (code, message) => new HttpErr(400, code, message);

// ------------------------------------------------------------------ store
const db = {
    realms: [], users: [], roles: [], permissions: [], scopes: [], clients: [],
    client_scopes: [], user_roles: [], role_permissions: [], user_permissions: [], client_roles: [], client_permissions: [],
};
const inactive = new Set();
const refreshTokens = new Map(); // jti -> entity
const codes = new Map();

function seed() {
    const t = now();
    const master = { id: randomUUID(), name: 'master', display_name: null, description: null, built_in: true, created_at: t, updated_at: t };
    db.realms.push(master);
    const admin = {
        id: randomUUID(), name: 'admin', name_locked: true, first_name: null, last_name: null, display_name: 'admin', email: null,
        password: 'start123', avatar: null, cover: null, status: null, status_message: null, active: true,
        created_at: t, updated_at: t, client_id: null, realm_id: master.id,
    };
    db.users.push(admin);
    const role = { id: randomUUID(), built_in: true, name: 'admin', display_name: null, target: null, description: null, client_id: null, realm_id: master.id, created_at: t, updated_at: t };
    db.roles.push(role);
    db.user_roles.push({ id: randomUUID(), role_id: role.id, role_realm_id: master.id, user_id: admin.id, user_realm_id: master.id, created_at: t, updated_at: t });
    const names = [];
    for (const e of ['client', 'realm', 'role', 'permission', 'scope', 'user', 'robot', 'identity_provider']) {
        for (const op of ['create', 'delete', 'update', 'read']) names.push(`${e}_${op}`);
    }
    for (const e of ['client_permission', 'client_role', 'client_scope', 'role_permission', 'user_permission', 'user_role', 'robot_role', 'robot_permission']) {
        for (const op of ['create', 'delete', 'read']) names.push(`${e}_${op}`);
    }
    for (const name of names) {
        const p = { id: randomUUID(), built_in: true, name, display_name: null, description: null, policy_id: null, client_id: null, realm_id: null, created_at: t, updated_at: t };
        db.permissions.push(p);
        db.role_permissions.push({ id: randomUUID(), role_id: role.id, role_realm_id: master.id, permission_id: p.id, permission_realm_id: null, policy_id: null, created_at: t, updated_at: t });
    }
    for (const name of ['global', 'openid', 'email', 'roles', 'identity']) {
        db.scopes.push({ id: randomUUID(), built_in: true, name, display_name: null, description: null, realm_id: null, created_at: t, updated_at: t });
    }
}
seed();

// ------------------------------------------------------------------ keys
const KID = randomUUID();
const { publicKey, privateKey } = await jose.generateKeyPair('RS256');
const PUBLIC_JWK = { ...(await jose.exportJWK(publicKey)), alg: 'RS256', ext: true, key_ops: ['verify'], kid: KID };

async function sign(claims) {
    const payload = { ...claims, iat: unix() };
    if (!payload.exp) payload.exp = payload.iat + ACCESS_MAX_AGE;
    for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
    const token = await new jose.SignJWT(payload).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: KID }).sign(privateKey);
    return { token, payload };
}

async function verify(token, { skipActiveCheck = false } = {}) {
    if (!token) throw jwtErr('invalid_token', 'The JWT is invalid.');
    if (!skipActiveCheck && inactive.has(token)) throw jwtErr('inactive_token', 'The JWT is not active.');
    let header;
    try { header = JSON.parse(atob(token.split('.')[0])); } catch { throw jwtErr('invalid_token', 'The token header could not be extracted.'); }
    if (header.kid !== KID) throw new HttpErr(400, 'jwk_not_found', `The JWK ${header.kid} could not be found.`);
    try {
        const { payload } = await jose.jwtVerify(token, publicKey, { algorithms: ['RS256'] });
        return payload;
    } catch (e) {
        if (e.code === 'ERR_JWT_EXPIRED') throw jwtErr('expired_token', 'The JWT has expired.');
        throw jwtErr('invalid_token', 'The token could not be verified.');
    }
}

function accessPayload({ sub, sub_kind, realm, client_id, scope }) {
    return {
        kind: 'access_token', jti: randomUUID(), iss: PUBLIC_URL, sub, sub_kind, remote_address: '127.0.0.1',
        aud: client_id, client_id, realm_id: realm.id, realm_name: realm.name, exp: unix() + ACCESS_MAX_AGE, scope,
    };
}

async function bearerResponse(ctx, withRefresh = true) {
    const a = await sign(accessPayload(ctx));
    const out = { access_token: a.token, expires_in: ACCESS_MAX_AGE, token_type: 'Bearer', scope: ctx.scope };
    if (withRefresh) {
        const jti = randomUUID();
        refreshTokens.set(jti, { ...ctx, expires: Date.now() + REFRESH_MAX_AGE * 1000 });
        const r = await sign({ ...accessPayload(ctx), kind: 'refresh_token', jti, exp: unix() + REFRESH_MAX_AGE });
        out.refresh_token = r.token;
    }
    return out;
}

// ------------------------------------------------------------------ permissions
function permsForRoles(roleIds) {
    return db.role_permissions.filter((rp) => roleIds.includes(rp.role_id)).map((rp) => db.permissions.find((p) => p.id === rp.permission_id)).filter(Boolean);
}
function identityPermissions(kind, id, clientId) {
    let out = [];
    if (kind === 'user') {
        const direct = db.user_permissions.filter((x) => x.user_id === id).map((x) => db.permissions.find((p) => p.id === x.permission_id));
        const roles = db.user_roles.filter((x) => x.user_id === id).map((x) => db.roles.find((r) => r.id === x.role_id)).filter(Boolean);
        const reduce = (arr) => (clientId ? arr.filter((e) => e && e.client_id === clientId) : arr);
        out = [...reduce(direct), ...permsForRoles(reduce(roles).map((r) => r.id))];
    } else if (kind === 'client') {
        const direct = db.client_permissions.filter((x) => x.client_id === id).map((x) => db.permissions.find((p) => p.id === x.permission_id));
        out = [...direct, ...permsForRoles(db.client_roles.filter((x) => x.client_id === id).map((x) => x.role_id))];
    }
    return out.filter(Boolean).map((p) => ({ name: p.name, client_id: p.client_id, realm_id: p.realm_id }));
}

// ------------------------------------------------------------------ resources
const RES = {
    realms: { table: 'realms', named: true, rel: {}, fields: ['name', 'display_name', 'description'], defaults: { display_name: null, description: null, built_in: false } },
    users: {
        table: 'users', named: true, rel: { realm: ['realm_id', 'realms'] }, hidden: ['password', 'email'], allowedExtra: ['email'],
        fields: ['name', 'name_locked', 'first_name', 'last_name', 'display_name', 'email', 'password', 'active', 'realm_id', 'status', 'status_message'],
        defaults: { name_locked: true, first_name: null, last_name: null, display_name: null, email: null, password: null, avatar: null, cover: null, status: null, status_message: null, active: true, client_id: null },
    },
    roles: { table: 'roles', named: true, rel: { realm: ['realm_id', 'realms'] }, fields: ['name', 'display_name', 'description', 'target', 'realm_id', 'client_id'], defaults: { built_in: false, display_name: null, target: null, description: null, client_id: null, realm_id: null } },
    permissions: { table: 'permissions', named: true, rel: { realm: ['realm_id', 'realms'] }, fields: ['name', 'display_name', 'description', 'client_id', 'realm_id', 'policy_id'], defaults: { built_in: false, display_name: null, description: null, policy_id: null, client_id: null, realm_id: null } },
    scopes: { table: 'scopes', named: true, rel: { realm: ['realm_id', 'realms'] }, fields: ['name', 'display_name', 'description', 'realm_id'], defaults: { built_in: false, display_name: null, description: null, realm_id: null } },
    clients: {
        table: 'clients', named: true, rel: { realm: ['realm_id', 'realms'] }, hidden: ['secret'], allowedExtra: ['secret'],
        fields: ['name', 'display_name', 'secret', 'redirect_uri', 'base_url', 'root_url', 'grant_types', 'scope', 'is_confidential', 'realm_id'],
        defaults: { built_in: false, display_name: null, description: null, secret: null, redirect_uri: null, grant_types: null, scope: null, base_url: null, root_url: null, is_confidential: true, realm_id: null, user_id: null },
    },
    'client-scopes': { table: 'client_scopes', rel: { client: ['client_id', 'clients'], scope: ['scope_id', 'scopes'] }, fields: ['client_id', 'scope_id'], defaults: { default: false } },
    'user-roles': { table: 'user_roles', rel: { user: ['user_id', 'users'], role: ['role_id', 'roles'] }, fields: ['user_id', 'role_id'] },
    'role-permissions': { table: 'role_permissions', rel: { role: ['role_id', 'roles'], permission: ['permission_id', 'permissions'] }, fields: ['role_id', 'permission_id', 'policy_id'], defaults: { policy_id: null } },
    'user-permissions': { table: 'user_permissions', rel: { user: ['user_id', 'users'], permission: ['permission_id', 'permissions'] }, fields: ['user_id', 'permission_id', 'policy_id'], defaults: { policy_id: null } },
    'client-roles': { table: 'client_roles', rel: { client: ['client_id', 'clients'], role: ['role_id', 'roles'] }, fields: ['client_id', 'role_id'] },
    'client-permissions': { table: 'client_permissions', rel: { client: ['client_id', 'clients'], permission: ['permission_id', 'permissions'] }, fields: ['client_id', 'permission_id', 'policy_id'], defaults: { policy_id: null } },
};

const isUUID = (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
const NAME_RE = /^[A-Za-z0-9-_.]+$/;

function view(def, rec, fieldsOut, includes) {
    let out = { ...rec };
    for (const h of def.hidden || []) delete out[h];
    if (fieldsOut && fieldsOut.length) {
        const o = {};
        for (const f of fieldsOut) {
            if (!f.path || f.path === def.table) o[f.key] = rec[f.key] === undefined ? null : rec[f.key];
        }
        out = o;
    }
    for (const inc of includes || []) {
        const r = def.rel[inc.key];
        if (!r) continue;
        const [fk, table] = r;
        const other = db[table].find((x) => x.id === rec[fk]) || null;
        const copy = other ? { ...other } : null;
        if (copy) { delete copy.password; delete copy.secret; delete copy.email; }
        out[inc.key] = copy;
    }
    return out;
}

/** "a[b][c]=v" -> {a:{b:{c:v}}} (rapiq keys are percent-encoded by the SDK) */
function nestQuery(searchParams) {
    const out = {};
    for (const [rawKey, value] of searchParams) {
        const m = rawKey.match(/^([^[]+)((?:\[[^\]]*\])*)$/);
        if (!m) continue;
        const parts = [m[1], ...[...m[2].matchAll(/\[([^\]]*)\]/g)].map((x) => x[1])];
        let cur = out;
        for (let i = 0; i < parts.length - 1; i++) { cur[parts[i]] = cur[parts[i]] || {}; cur = cur[parts[i]]; }
        cur[parts[parts.length - 1]] = value;
    }
    return out;
}

function matchFilter(rec, f) {
    const v = rec[f.key];
    switch (f.operator) {
        case '$eq': return f.value === null ? v === null || v === undefined : String(v) === String(f.value);
        case '$ne': return f.value === null ? !(v === null || v === undefined) : String(v) !== String(f.value);
        case '$l': return typeof v === 'string' && v.toLowerCase().startsWith(String(f.value).toLowerCase());
        case '$nl': return !(typeof v === 'string' && v.toLowerCase().startsWith(String(f.value).toLowerCase()));
        case '$in': return f.value.map(String).includes(String(v)) || (f.value.includes(null) && v == null);
        case '$nin': return !f.value.map(String).includes(String(v));
        case '$lt': return v < f.value;
        case '$lte': return v <= f.value;
        case '$gt': return v > f.value;
        case '$gte': return v >= f.value;
        default: return true;
    }
}

function list(def, query) {
    const rels = Object.keys(def.rel);
    const cols = db[def.table][0] ? Object.keys(db[def.table][0]) : ['id'];
    const defaults = cols.filter((c) => !(def.hidden || []).includes(c));
    const parsed = parseQuery(query, {
        defaultPath: def.table,
        relations: { allowed: rels },
        fields: { default: defaults, allowed: def.allowedExtra || [] },
        filters: { allowed: [...new Set([...cols, ...rels.flatMap((r) => [`${r}.name`])])] },
        sort: { allowed: cols },
        pagination: { maxLimit: 50 },
    });
    let rows = db[def.table].filter((r) => (parsed.filters || []).every((f) => (f.path && f.path !== def.table ? true : matchFilter(r, f))));
    const total = rows.length;
    for (const s of [...(parsed.sort || [])].reverse()) {
        rows = [...rows].sort((a, b) => (a[s.key] < b[s.key] ? -1 : a[s.key] > b[s.key] ? 1 : 0) * (s.value === 'DESC' ? -1 : 1));
    }
    const { limit = 50, offset = 0 } = parsed.pagination || {};
    rows = rows.slice(offset, offset + limit);
    const fieldsOut = query.fields ? parsed.fields : null;
    return { data: rows.map((r) => view(def, r, fieldsOut, parsed.relations)), meta: { total, limit, offset } };
}

function findOne(def, idOrName, realmId) {
    const rows = db[def.table];
    if (isUUID(idOrName)) return rows.find((r) => r.id === idOrName);
    if (!def.named) return undefined;
    return rows.find((r) => r.name === idOrName && (!realmId || r.realm_id === realmId));
}

function validate(def, body, create) {
    const data = {};
    for (const f of def.fields) if (body[f] !== undefined) data[f] = body[f] === '' ? null : body[f];
    if (def.named) {
        if (create && !data.name) throw badRequest('', { attributes: ['name'] });
        if (data.name !== undefined && (typeof data.name !== 'string' || data.name.length < 3 || !NAME_RE.test(data.name))) {
            throw badRequest('', { attributes: ['name'] });
        }
    }
    if (create) {
        for (const [fk] of Object.values(def.rel)) {
            if (['realm_id'].includes(fk)) continue;
            if (!data[fk]) throw badRequest('', { attributes: [fk] });
        }
    }
    for (const [fk, table] of Object.values(def.rel)) {
        if (data[fk] && !db[table].find((x) => x.id === data[fk])) throw badRequest(`The referenced ${fk} does not exist.`);
    }
    return data;
}

// ------------------------------------------------------------------ http plumbing
function send(res, status, body, headers = {}) {
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(payload);
}

async function readBody(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const ct = (req.headers['content-type'] || '').toLowerCase();
    if (!raw) return {};
    if (ct.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
    if (ct.includes('application/json')) return JSON.parse(raw);
    return {};
}

async function identify(req) {
    const h = req.headers.authorization;
    if (!h) return null;
    const [type, value] = h.split(' ');
    if (type.toLowerCase() !== 'bearer') return null;
    const p = await verify(value);
    if (p.kind !== 'access_token') throw jwtErr('invalid_token', 'The JWT payload property kind is invalid.');
    return { type: p.sub_kind, id: p.sub, realmId: p.realm_id, realmName: p.realm_name, scope: p.scope, clientId: p.client_id, token: value };
}

function basic(req) {
    const h = req.headers.authorization || '';
    if (!h.toLowerCase().startsWith('basic ')) return null;
    const [u, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
    return [u, rest.join(':')];
}

function sha256b64url(s) {
    return createHash('sha256').update(s).digest('base64url');
}

// ------------------------------------------------------------------ routes
async function handle(req, res) {
    const url = new URL(req.url, PUBLIC_URL);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method;
    const body = ['POST', 'PUT'].includes(method) ? await readBody(req) : {};

    if (path === '/' && method === 'GET') {
        return send(res, 200, { version: '1.0.0-beta.26', timestamp: Date.now(), tokenMaxAgeAccessToken: ACCESS_MAX_AGE, tokenMaxAgeRefreshToken: REFRESH_MAX_AGE, redis: false, vault: false });
    }
    if (path === '/.well-known/openid-configuration') {
        const u = (p) => new URL(p, PUBLIC_URL).href;
        return send(res, 200, {
            issuer: PUBLIC_URL, authorization_endpoint: u('authorize'), jwks_uri: u('jwks'),
            response_types_supported: ['code', 'token', 'none'], subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'none'],
            token_endpoint: u('token'), introspection_endpoint: u('token/introspect'), revocation_endpoint: u('token'),
            service_documentation: 'https://authup.org/', userinfo_endpoint: u('users/@me'),
        });
    }
    if (seg[0] === 'jwks' && method === 'GET') {
        if (seg.length === 1) return send(res, 200, { keys: [PUBLIC_JWK] });
        if (seg[1] === KID) return send(res, 200, PUBLIC_JWK);
        throw notFound();
    }

    // ---- token endpoint (errors get OAuth2 error/error_description) ----
    if (seg[0] === 'token') {
        try {
            return await handleToken(req, res, seg, method, body, url);
        } catch (e) {
            if (e instanceof HttpErr) e.data = { error: e.data.error || 'invalid_request', error_description: e.message, ...e.data };
            throw e;
        }
    }

    const identity = await identify(req);

    if (path === '/authorize' && method === 'POST') {
        if (!identity || identity.type !== 'user') throw unauthorized();
        const client = db.clients.find((c) => c.id === body.client_id);
        if (!client) throw new HttpErr(400, 'invalid_client', 'Client authentication failed.', { error: 'invalid_client' });
        const scopes = db.client_scopes.filter((cs) => cs.client_id === client.id).map((cs) => db.scopes.find((s) => s.id === cs.scope_id).name);
        for (const s of String(body.scope || '').split(' ')) {
            if (!scopes.includes(s)) throw new HttpErr(400, 'insufficient_scope', 'The request requires higher privileges than provided by the access token.', { error: 'invalid_grant' });
        }
        const code = randomBytes(10).toString('hex');
        codes.set(code, {
            redirect_uri: body.redirect_uri, client_id: client.id, user_id: identity.id, realm_id: identity.realmId, realm_name: identity.realmName,
            scope: body.scope, code_challenge: body.code_challenge, code_challenge_method: body.code_challenge_method,
        });
        const u = new URL(body.redirect_uri);
        if (body.state) u.searchParams.set('state', body.state);
        u.searchParams.set('code', code);
        return send(res, 200, { url: u.href });
    }

    const def = RES[seg[0]];
    if (!def && !(seg[0] === 'users' && seg[1] === '@me')) throw notFound();

    if (seg[0] === 'users' && seg[1] === '@me' && method === 'GET') {
        if (!identity || identity.type !== 'user') throw notFound();
        const u = db.users.find((x) => x.id === identity.id);
        if (!u) throw notFound();
        return send(res, 200, view(RES.users, u, null, []));
    }

    const publicRead = ['realms', 'scopes', 'clients', 'client-scopes'].includes(seg[0]);
    if (!identity && !(publicRead && method === 'GET')) throw unauthorized();

    const query = nestQuery(url.searchParams);

    if (method === 'GET' && seg.length === 1) return send(res, 200, list(def, query));
    if (method === 'GET' && seg.length === 2) {
        const rec = findOne(def, seg[1]);
        if (!rec) throw notFound();
        const parsed = parseQuery(query, { relations: { allowed: Object.keys(def.rel) }, fields: { default: Object.keys(rec).filter((c) => !(def.hidden || []).includes(c)), allowed: def.allowedExtra || [] } });
        return send(res, 200, view(def, rec, query.fields ? parsed.fields : null, parsed.relations));
    }
    if (method === 'DELETE' && seg.length === 2) {
        const idx = db[def.table].findIndex((r) => r.id === seg[1]);
        if (idx === -1) throw notFound();
        const [rec] = db[def.table].splice(idx, 1);
        return send(res, 202, view(def, rec));
    }
    if (method === 'POST' && seg.length === 1) {
        const data = validate(def, body, true);
        const t = now();
        const rec = { id: randomUUID(), ...(def.defaults || {}), ...data, created_at: t, updated_at: t };
        if (def.named && db[def.table].some((r) => r.name === rec.name && r.realm_id === rec.realm_id)) throw new HttpErr(409, 'CONFLICT', 'An entry with some unique attributes already exist.');
        db[def.table].push(rec);
        const out = view(def, rec);
        if (body.password && def.table === 'users') out.password = body.password;
        return send(res, 201, out);
    }
    if ((method === 'POST' || method === 'PUT') && seg.length === 2 && def.named) {
        const existing = findOne(def, seg[1], body.realm_id);
        if (!existing && method === 'POST') throw notFound();
        if (!existing) {
            const data = validate(def, body, true);
            const t = now();
            const rec = { id: randomUUID(), ...(def.defaults || {}), ...data, created_at: t, updated_at: t };
            db[def.table].push(rec);
            return send(res, 201, view(def, rec));
        }
        const data = validate(def, body, false);
        Object.assign(existing, data, { updated_at: now() });
        return send(res, 202, view(def, existing));
    }
    throw notFound();
}

async function handleToken(req, res, seg, method, body, url) {
    const param = (k) => body[k] || url.searchParams.get(k);
    if (seg[1] === 'introspect' && (method === 'POST' || method === 'GET')) {
        const token = param('token') || ((req.headers.authorization || '').match(/^bearer (.+)$/i) || [])[1];
        if (!token) throw badRequest('', { attributes: ['token'] });
        const payload = await verify(token, { skipActiveCheck: true });
        let claims = {};
        if (payload.sub_kind === 'user') {
            const u = db.users.find((x) => x.id === payload.sub);
            if (u) claims = { name: u.name, family_name: u.last_name, given_name: u.first_name, nickname: u.display_name, preferred_username: u.display_name, updated_at: Date.parse(u.updated_at), email: u.email, email_verified: u.active };
        }
        return send(res, 200, {
            active: !inactive.has(token),
            permissions: identityPermissions(payload.sub_kind, payload.sub, payload.client_id),
            ...payload,
            ...claims,
        });
    }
    if (seg[1] === 'revoke' && method === 'POST') {
        const token = param('token');
        const payload = await verify(token);
        if (payload.kind === 'refresh_token') refreshTokens.delete(payload.jti);
        inactive.add(token);
        res.writeHead(200); return res.end();
    }
    if (seg.length !== 1 || method !== 'POST') throw notFound();

    const grant = param('grant_type');
    if (grant === 'password') {
        const realm = param('realm_id') ? db.realms.find((r) => r.id === param('realm_id') || r.name === param('realm_id')) : null;
        const user = db.users.find((u) => u.name === param('username') && u.password && u.password === param('password') && (!realm || u.realm_id === realm.id));
        if (!user) throw new HttpErr(400, 'invalid_credentials', 'The user credentials are invalid.');
        if (!user.active) throw new HttpErr(400, 'entity_inactive', 'The user account is inactive.');
        const r = db.realms.find((x) => x.id === user.realm_id);
        return send(res, 200, await bearerResponse({ sub: user.id, sub_kind: 'user', realm: r, scope: 'global' }));
    }
    if (grant === 'client_credentials') {
        let id = param('client_id'); let secret = param('client_secret');
        if (!id && !secret) { const b = basic(req); if (!b) throw new HttpErr(400, 'invalid_token', 'The request is missing a required parameter.', { error: 'invalid_request' }); [id, secret] = b; }
        const c = db.clients.find((x) => x.id === id && x.secret && x.secret === secret);
        if (!c) throw new HttpErr(400, 'invalid_credentials', 'The client credentials are invalid.');
        const r = db.realms.find((x) => x.id === c.realm_id);
        return send(res, 200, await bearerResponse({ sub: c.id, sub_kind: 'client', realm: r, client_id: c.id, scope: 'global' }));
    }
    if (grant === 'refresh_token') {
        const token = param('refresh_token');
        const payload = await verify(token);
        const e = refreshTokens.get(payload.jti);
        if (!e) throw jwtErr('invalid_token', 'The JWT was not found.');
        refreshTokens.delete(payload.jti); inactive.add(token);
        return send(res, 200, await bearerResponse({ ...e, client_id: undefined }));
    }
    if (grant === 'authorization_code') {
        const c = codes.get(param('code'));
        if (!c) throw new HttpErr(400, 'invalid_grant', 'The provided authorization grant is invalid.', { error: 'invalid_grant' });
        if (c.redirect_uri && param('redirect_uri') !== c.redirect_uri) throw new HttpErr(400, 'redirect_uri_mismatch', 'The redirect URI is missing or do not match', { error: 'invalid_grant' });
        if (c.code_challenge) {
            const v = param('code_verifier') || '';
            const ok = c.code_challenge_method === 'plain' ? v === c.code_challenge : sha256b64url(v) === c.code_challenge;
            if (!ok) throw new HttpErr(400, 'invalid_grant', 'PKCE code_verifier mismatch.', { error: 'invalid_grant' });
        }
        const r = db.realms.find((x) => x.id === c.realm_id);
        return send(res, 200, await bearerResponse({ sub: c.user_id, sub_kind: 'user', realm: r, client_id: c.client_id, scope: c.scope }));
    }
    throw new HttpErr(400, 'invalid_grant', 'The provided authorization grant is invalid.', { error: 'invalid_grant' });
}

const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
        if (e instanceof HttpErr) {
            return send(res, e.statusCode, { statusCode: e.statusCode, code: e.code, message: e.message, ...e.data });
        }
        console.error(e);
        return send(res, 500, { statusCode: 500, code: 'INTERNAL_SERVER_ERROR', message: 'An internal server error occurred.' });
    });
});
server.listen(PORT, '127.0.0.1', () => console.error(`authup-mock listening on ${PUBLIC_URL}`));
