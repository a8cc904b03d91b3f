import { useTranslation } from 'react-i18next';
import { useClient } from '../../client/ClientContext.tsx';
import { useCalls, type CallProblem } from '../../stores/calls.ts';
import { startCall } from './actions.ts';

/**
 * Why a call did not start or ended badly, in words: a camera or microphone
 * that is refused or missing (a video call may go on as voice), or a failure.
 */
export function CallProblemNotice({ problem }: { problem: CallProblem }) {
  const { t } = useTranslation();
  const client = useClient();
  const dismiss = () => useCalls.setState({ problem: null });
  const text =
    problem.code === 'MEDIA_DENIED'
      ? t(`calls.problem.${problem.retryVoice ? 'video' : 'voice'}${/denied/i.test(problem.message) ? 'Denied' : 'Missing'}`)
      : problem.code === 'CALL_FAILED' || problem.code === 'BUSY'
        ? t(problem.code === 'BUSY' ? 'calls.problem.busy' : 'calls.problem.failed')
        : t('calls.problem.other', { reason: problem.message || problem.code });
  return (
    <div className="call-problem" role="alert">
      <p>{text}</p>
      <div className="call-problem-actions">
        {problem.retryVoice && (
          <button type="button" className="primary" onClick={() => void startCall(client, problem.retryVoice!.conversationId, false)}>
            {t('calls.problem.tryVoice')}
          </button>
        )}
        <button type="button" className="link" onClick={dismiss}>
          {t('calls.problem.dismiss')}
        </button>
      </div>
    </div>
  );
}
