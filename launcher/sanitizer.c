/* sanitizer.c: settings built into hutch in a sanitizer build (meson setup
 * -Db_sanitize=address,undefined), and only there.
 *
 * UndefinedBehaviorSanitizer reads UBSAN_OPTIONS late, at its first report,
 * and from /proc/self/environ. The sandbox's init and the command's last
 * stages are not dumpable (PR_SET_DUMPABLE 0), so that file is root's and
 * cannot be opened: UBSan would fall back to its defaults there (no stack,
 * exit status 1). This hook gives it the same settings as the tests'
 * UBSAN_OPTIONS (tests/meson.build), which still win where they can be read.
 * AddressSanitizer reads ASAN_OPTIONS at start, in hutch's own process.
 * Its hook here only pins one default: no fake stacks for use-after-return
 * (GCC's libasan has them off; newer runtimes may turn them on), which are
 * kept per thread and so would be shared by hutch and the child that makes
 * the sandbox's namespaces with hutch's memory and thread-local storage
 * (netns-beside.c). */
const char *__ubsan_default_options(void);
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
  return "detect_stack_use_after_return=0";
}

const char *__ubsan_default_options(void)
{
  return "print_stacktrace=1:halt_on_error=1:abort_on_error=0:exitcode=86";
}
