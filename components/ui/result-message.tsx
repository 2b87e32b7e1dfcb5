// The announced outcome of a form or button: green when it worked, red when not.

type Props = {
  result: { ok: boolean; message: string } | null | undefined;
  /** Size and layout classes. */
  className?: string;
  okClassName?: string;
  /** Say nothing on success (the page shows the change itself). */
  errorsOnly?: boolean;
};

export function ResultMessage({ result, className = 'text-sm', okClassName = 'text-emerald-800', errorsOnly = false }: Props) {
  if (!result || (errorsOnly && result.ok)) return null;
  return (
    <p role="status" className={`${className} ${result.ok ? okClassName : 'text-red-700'}`}>
      {result.message}
    </p>
  );
}
