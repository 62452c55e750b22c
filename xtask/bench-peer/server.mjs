// node-oidc-provider 9 as the benchmark's peer: one confidential client allowed
// client_credentials, ES256-signed JWT access tokens (RFC 9068) for one resource, an in-memory
// adapter and logs off. Started by `cargo xtask bench --peer node-oidc-provider`:
//   PORT=... CLIENT_ID=... CLIENT_SECRET=... node server.mjs
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 3100);
const issuer = `http://127.0.0.1:${port}`;
const resource = 'urn:portcullis:bench';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench-es256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID ?? 'bench',
    client_secret: process.env.CLIENT_SECRET ?? 'bench-secret-bench-secret',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [jwk] },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  scopes: ['api'],
  routes: { jwks: '/jwks', token: '/token' },
});
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
