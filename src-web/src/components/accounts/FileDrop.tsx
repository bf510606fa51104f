import { useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';

/** A drop zone that also opens the file picker on click. */
export function FileDrop({ files, onFiles }: { files: File[]; onFiles: (f: File[]) => void }) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    onFiles(Array.from(e.dataTransfer.files));
  };
  return (
    <div
      className={`drop${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
      onClick={() => input.current?.click()}
      role="button"
      tabIndex={0}
      data-testid="file-drop"
    >
      <input
        ref={input}
        type="file"
        multiple
        accept=".txt,.json,text/plain,application/json"
        hidden
        data-testid="file-input"
        onChange={(e) => onFiles(Array.from(e.target.files ?? []))}
      />
      {files.length ? files.map((f) => <div key={f.name}>{f.name} ({Math.ceil(f.size / 1024)} KB)</div>) : t('import.dropHint')}
    </div>
  );
}
