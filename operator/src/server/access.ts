/**
 * Who may read the report pages. They show a model's features, statistics and anomalies, so they
 * are not served to the world by default (docs/operations.md, "Report pages"):
 * - no token configured: loopback clients only. `kubectl port-forward` connects from inside the
 *   pod's network namespace, so it works; a client reaching the pod over the network gets 403.
 * - a token configured: every client, loopback included, must send `Authorization: Bearer <token>`,
 *   else 401. The comparison takes the same time whatever the guess.
 * /healthz, /readyz and /metrics are not guarded: the kubelet probes and Prometheus scrapes them
 * from outside the pod.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { reportToken } from '../config.js';
import { AlertigerError } from '../errors.js';

/** Returns the token a request must bear; may throw when it cannot be read (the request is refused). */
export type TokenSource = () => string;

export interface AccessRequest {
  /** The TCP peer's address (never a forwarded header: those are set by whoever connects). */
  remoteAddress: string | undefined;
  authorization: string | undefined;
}

export type AccessDecision =
  | { allow: true }
  | { allow: false; status: 401 | 403; reason: string };

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (::ffff:127.0.0.1), which dual-stack sockets report. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const unmapped = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(unmapped);
  if (family === 0) return false;
  return LOOPBACK.check(unmapped, family === 4 ? 'ipv4' : 'ipv6');
}

/** Constant-time equality of two strings of any lengths (both hashed first, so lengths do not leak). */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match === null ? undefined : match[1];
}

/** The access rule of the report pages, pure: `token` undefined means loopback-only. */
export function decideReportAccess(request: AccessRequest, token: string | undefined): AccessDecision {
  if (token === undefined) {
    if (isLoopback(request.remoteAddress)) return { allow: true };
    return {
      allow: false,
      status: 403,
      reason: 'report pages answer loopback clients only (e.g. kubectl port-forward) unless a report token is configured (ALERTIGER_REPORT_TOKEN_FILE)',
    };
  }
  const given = bearerToken(request.authorization);
  if (given === undefined) return { allow: false, status: 401, reason: 'report pages need an Authorization: Bearer <token> header' };
  if (!sameSecret(given, token)) return { allow: false, status: 401, reason: 'the bearer token is not the report token' };
  return { allow: true };
}

/** Express middleware applying decideReportAccess; a token that cannot be read refuses (503). */
export function reportAccessMiddleware(token: TokenSource | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let expected: string | undefined;
    try {
      expected = token?.();
    } catch (err) {
      res.status(503).type('text/plain').send(`report pages are unavailable: ${(err as Error).message}\n`);
      return;
    }
    const decision = decideReportAccess({ remoteAddress: req.socket.remoteAddress, authorization: req.get('authorization') }, expected);
    if (decision.allow) {
      next();
      return;
    }
    if (decision.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="alertiger-reports"');
    res.status(decision.status).type('text/plain').send(`${decision.reason}\n`);
  };
}

/**
 * The token source of the configuration (config.ts has checked a literal token): the token, or
 * the file re-read on each request
 * (a mounted Secret is updated in place by the kubelet, so a rotated token applies without a
 * restart). The file is read once here so that a missing or bad file stops start-up.
 */
export function reportTokenSource(config: { reportToken?: string | undefined; reportTokenFile?: string | undefined }): TokenSource | undefined {
  if (config.reportToken !== undefined) {
    const token = config.reportToken;
    return () => token;
  }
  const file = config.reportTokenFile;
  if (file === undefined) return undefined;
  const read = (): string => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new AlertigerError('InvalidConfig', `ALERTIGER_REPORT_TOKEN_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    try {
      return reportToken(text);
    } catch (err) {
      throw new AlertigerError('InvalidConfig', `ALERTIGER_REPORT_TOKEN_FILE ${file}: ${(err as Error).message}`);
    }
  };
  read();
  return read;
}
