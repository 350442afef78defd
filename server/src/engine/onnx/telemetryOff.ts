// onnxruntime-node (1.30 on Linux) starts Microsoft's 1DS telemetry with its first session:
// a thread per process that would upload usage events to mobile.events.data.microsoft.com,
// a shared SQLite store in ~/.cache/Microsoft/DeveloperTools and one /tmp/mat-debug-<pid>.log
// per process. The engine starts many processes and threads; nobody agreed to that upload,
// the store fails under concurrent writers ("Database error") and the logs pile up in /tmp.
// The variable must be in the process environment before the first session is created; set
// in the main thread it also holds for the evaluation worker threads. A user who sets it
// (to anything) keeps their choice.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
