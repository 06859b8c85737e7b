import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { alertSignatureHeaders, SIGNATURE_HEADER, signAlert, TIMESTAMP_HEADER } from '../../../activities/alert-signature';

const body = JSON.stringify({ event: 'completed', runId: 'r1' });

describe('alert signatures', () => {
  it('verify with the off-the-shelf Standard Webhooks verifier, under a secret as issued now', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const headers = alertSignatureHeaders(secret, 'alert-r1-completed-1', body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('r1', 'r2'), headers)).toThrow(/No matching signature/);
  });

  it('verify under a secret issued before (base64url), once spelled in standard base64', () => {
    const legacy = `whsec_${randomBytes(32).toString('base64url')}`;
    const headers = alertSignatureHeaders(legacy, 'alert-r1-completed-1', body);
    const respelled = `whsec_${Buffer.from(legacy.slice('whsec_'.length), 'base64url').toString('base64')}`;
    expect(new Webhook(respelled).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('keep the first scheme beside the standard one, for receivers written for it', () => {
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const headers = alertSignatureHeaders(secret, 'id', body);
    expect(headers[SIGNATURE_HEADER]).toBe(signAlert(secret, headers[TIMESTAMP_HEADER], body));
  });

  it('are refused by the verifier once older than its tolerance', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const headers = alertSignatureHeaders(secret, 'id', body, Date.now() - 10 * 60_000);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/too old/);
  });
});
