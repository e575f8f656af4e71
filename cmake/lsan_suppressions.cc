// LeakSanitizer's default suppressions, compiled into the sanitized programs only
// (ADTGW_SANITIZE, the dev preset); LeakSanitizer asks for them at start-up.
//
// cpprestsdk closes a response's body stream through pplx continuations that run on
// its own thread pool. When a command exits while such a continuation is still queued
// (it has read the body it wanted), the tasks and stream buffers are left unreachable
// and LeakSanitizer reports them, at random, depending on thread timing: a command that
// did its job then exits 1. Those allocations are cpprestsdk's own: libcpprest.so is in
// every such report's allocation stack. A leak whose allocation stack does not pass
// through libcpprest.so (everything this project allocates itself) is still reported.
extern "C" const char* __lsan_default_suppressions() { return "leak:libcpprest.so\n"; }
