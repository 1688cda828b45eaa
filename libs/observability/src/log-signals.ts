/** The runbook §1-1 log lines: `msg` is what SREs grep for, `signal` a stable English key (DESIGN §10). */
export const LogSignals = {
  outboxSerializeFailed: {
    msg: '사용자 이벤트 outbox payload 직렬화에 실패했습니다',
    signal: 'outbox_serialize_failed',
  },
  mqProviderNone: { msg: '메시지큐 provider가 none이라 User Activity 발행을 건너뜁니다', signal: 'mq_provider_none' },
  mqConsumeFailed: { msg: '메시지큐 수신 처리 실패', signal: 'mq_consume_failed' },
  storeDuplicate: { msg: '중복 사용자 이벤트를 감지하여 저장을 건너뜁니다', signal: 'store_duplicate' },
  storeHookFailed: { msg: '사용자 이벤트 저장 후 hook 실행에 실패했습니다', signal: 'store_hook_failed' },
  dispatchFailed: { msg: '사용자 이벤트 dispatch에 실패했습니다', signal: 'dispatch_failed' },
  dispatchPayloadInvalid: {
    msg: '사용자 이벤트 dispatch payload 역직렬화에 실패했습니다',
    signal: 'dispatch_payload_invalid',
  },
} as const;

export type LogSignal = (typeof LogSignals)[keyof typeof LogSignals];

/** A structured log object for a runbook signal: `logger.warn(signalLog(LogSignals.storeDuplicate, { eventId }))`. */
export function signalLog(signal: LogSignal, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fields, msg: signal.msg, signal: signal.signal };
}
