import { describe, expect, it } from 'vitest';
import { redact, redactDeep } from './redact.ts';

// Real shapes, as they turn up in event messages, container logs and probe errors.
const pem = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

describe('redact', () => {
  it.each([
    // credentials in URLs, any scheme
    [
      'dial postgres://app:Sup3rS3cret@db.prod:5432/orders failed',
      'dial postgres://[REDACTED]@db.prod:5432/orders failed',
    ],
    [
      'DATABASE_URL=postgresql://u:p%40ss@db/x?sslmode=require',
      'DATABASE_URL=postgresql://[REDACTED]@db/x?sslmode=require',
    ],
    ['mysql://root:toor@mysql-0.mysql:3306/shop', 'mysql://[REDACTED]@mysql-0.mysql:3306/shop'],
    ['redis://:8f3kd9Lq@redis-master:6379/0', 'redis://[REDACTED]@redis-master:6379/0'],
    ['amqp://guest:guest@rabbitmq:5672/%2F', 'amqp://[REDACTED]@rabbitmq:5672/%2F'],
    ['mongodb+srv://admin:hunter2@cluster0.mongodb.net/', 'mongodb+srv://[REDACTED]@cluster0.mongodb.net/'],
    ['GET https://admin:hunter2@registry.example.com/v2/', 'GET https://[REDACTED]@registry.example.com/v2/'],
    // Authorization headers
    ['Authorization: Basic YWRtaW46aHVudGVyMg==', 'Authorization: Basic [REDACTED]'],
    ['"authorization":"Basic dXNlcjpwYXNz"', '"authorization":"Basic [REDACTED]"'],
    ['Authorization: Bearer abcdef0123456789xyz', 'Authorization: Bearer [REDACTED]'],
    [
      'token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl here',
      'token [REDACTED] here',
    ],
    // JSON and YAML pairs
    ['{"user":"app","password":"hunter2"}', '{"user":"app","password":"[REDACTED]"}'],
    ['{"token": "s.8dK2mQ", "ttl": 60}', '{"token": "[REDACTED]", "ttl": 60}'],
    ['{"client_secret": "abc def"}', '{"client_secret": "[REDACTED]"}'],
    ['msg="login" body={\\"secret\\":\\"x9\\"}', 'msg="login" body={\\"secret\\":\\"[REDACTED]\\"}'],
    ['DB_PASSWORD: "s3cr3t value"', 'DB_PASSWORD: "[REDACTED]"'],
    // command lines and env
    ['exec: mysqld --password hunter2 --user root', 'exec: mysqld --password [REDACTED] --user root'],
    ['args: [--password=hunter2]', 'args: [--password=[REDACTED]]'],
    ['vault login -token s.8dK2mQ', 'vault login -token [REDACTED]'],
    ['MYSQL_ROOT_PASSWORD=hunter2 user=bob', 'MYSQL_ROOT_PASSWORD=[REDACTED] user=bob'],
    ['password=hunter2 user=bob', 'password=[REDACTED] user=bob'],
    ['api_key=abc123&x=1', 'api_key=[REDACTED]&x=1'],
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = [REDACTED]',
    ],
    // vendor tokens recognised by prefix
    ['charge failed for key sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'charge failed for key [REDACTED]'],
    ['rk_test_51Hh3ZxKq9Lr2Vb8c7aBcDe', '[REDACTED]'],
    ['clone with ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'clone with [REDACTED]'],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', '[REDACTED]'],
    ['slack token xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'slack token [REDACTED]'],
    ['key AKIAIOSFODNN7EXAMPLE in env', 'key [REDACTED] in env'],
    ['OPENAI sk-proj-abcdefghijklmnopqrstuvwx1234', 'OPENAI [REDACTED]'],
    ['glpat-xxxxxxxxxxxxxxxxxxxx pushed', '[REDACTED] pushed'],
    ['{"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}}', '{"auths":{"ghcr.io":{"auth":"[REDACTED]"}}}'],
    [
      'posted to https://hooks.slack.com/services/T000/B000/XXXX',
      'posted to https://hooks.slack.com/[REDACTED]',
    ],
    // private keys, whole or cut off
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[REDACTED]'],
    [`key: ${pem} ok`, 'key: [REDACTED] ok'],
    ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC…', '[REDACTED]'],
  ])('%s', (input, want) => {
    expect(redact(input)).toBe(want);
    expect(redact(want)).toBe(want);
  });

  it.each([
    'node/aks-agentpool-1 NotReady since 2018-07-19T15:02:10Z: Kubelet stopped posting node status; iptables-restore failed (exit status 1)',
    'password policy updated',
    'GET https://registry.example.com:443/v2/library/nginx/manifests/1.25 503',
    'postgres://db.prod:5432/orders?sslmode=require',
    'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found',
    'secretName: db-creds',
    '"tokenSecret": { "name": "kubetriage-token" }',
    'kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap.conf --token-file /var/run/token',
    'Unauthorized: token expired, re-authenticating',
    'Authorization header missing',
    'Basic auth is disabled for this endpoint',
  ])('leaves ordinary cluster text alone: %s', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('redacts every string of a record, and values under secret-named keys whole', () => {
    const record = {
      title: 'login to postgres://u:pw@db failed',
      env: { DB_PASSWORD: 'plain', HOST: 'db' },
      steps: [{ say: 'rotate', command: 'kubectl rollout restart deploy/api' }],
      count: 3,
    };
    expect(redactDeep(record)).toEqual({
      title: 'login to postgres://[REDACTED]@db failed',
      env: { DB_PASSWORD: '[REDACTED]', HOST: 'db' },
      steps: [{ say: 'rotate', command: 'kubectl rollout restart deploy/api' }],
      count: 3,
    });
    expect(record.env.DB_PASSWORD).toBe('plain');
  });
});
