import { describe, expect, it } from 'vitest';
import { isConnectionLoss } from './connection-loss.ts';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('isConnectionLoss', () => {
  it.each([
    [
      'a restart cutting the session',
      pgError('57P01', 'terminating connection due to administrator command'),
    ],
    ['the socket closing mid-query', new Error('Connection terminated unexpectedly')],
    ['a reset socket', pgError('ECONNRESET', 'read ECONNRESET')],
    ['a server not listening', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a server still starting', pgError('57P03', 'the database system is starting up')],
    ['a connection exception', pgError('08006', 'connection failure')],
    [
      'a client used after its connection broke',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['the pool giving up on connecting', new Error('timeout exceeded when trying to connect')],
  ])('%s is a lost connection', (_, err) => {
    expect(isConnectionLoss(err)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', pgError('42601', 'syntax error at or near "SELEC"')],
    ['a missing database', pgError('3D000', 'database "x" does not exist')],
    ['a wrong password', pgError('28P01', 'password authentication failed')],
    ['something that is not an error', undefined],
  ])('%s is not', (_, err) => {
    expect(isConnectionLoss(err)).toBe(false);
  });
});
