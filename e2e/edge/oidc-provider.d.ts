// The part of node-oidc-provider 9 (which ships no types) that the stand-in Cognito uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  type Interaction = { uid: string; prompt: { name: string; reasons: string[] }; params: Record<string, unknown> };
  type Session = { new?: boolean; accountId?: string; destroy(): Promise<void> };

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    readonly Session: { get(ctx: unknown): Promise<Session> };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    createContext(req: IncomingMessage, res: ServerResponse): unknown;
    cookieName(type: 'session' | 'interaction' | 'resume'): string;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    on(event: string, listener: (...args: never[]) => void): this;
  }
}
