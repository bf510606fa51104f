import { CopyButton } from '../common/CopyButton';

export function Snippet({ title, text, testId }: { title: string; text: string; testId: string }) {
  return (
    <div className="card snippet">
      <div className="snippet-head">
        <h3>{title}</h3>
        <CopyButton text={text} />
      </div>
      <pre className="code" data-testid={testId}>
        {text}
      </pre>
    </div>
  );
}
