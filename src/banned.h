/*
 * banned.h - functions saasguard never calls.
 *
 * Included last by every .c file in src/. Each banned name becomes a
 * reference to an undeclared identifier, so a use fails to compile. Use
 * dynbuf_printf()/snprintf() and dynbuf_add*() instead; never run a shell.
 * The environment is read-only: changing it races getenv() on other threads
 * (the seal worker), so zones go through timeutil and children get an envp.
 */
#ifndef SG_BANNED_H
#define SG_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef system
#define system(x) BANNED(system)
#undef popen
#define popen(x, y) BANNED(popen)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef setenv
#define setenv(x, y, z) BANNED(setenv)
#undef putenv
#define putenv(x) BANNED(putenv)
#undef unsetenv
#define unsetenv(x) BANNED(unsetenv)

#endif
