using Microsoft.Extensions.Logging;
using HangfireLog = Hangfire.Logging;

namespace Btc.Hosting.Scheduling;

/// <summary>
/// Hangfire's log output through the host's ILoggerFactory. Hangfire keeps its log provider in a static; where
/// more than one host lives in a process (the tests) and one is disposed, the others would hit its disposed
/// factory and fail their jobs and dashboard actions. A disposed factory here drops the message instead.
/// </summary>
public sealed class HangfireLogs(ILoggerFactory factory) : HangfireLog.ILogProvider
{
    public HangfireLog.ILog GetLogger(string name) => new Logger(factory, name);

    private sealed class Logger(ILoggerFactory factory, string name) : HangfireLog.ILog
    {
        private ILogger? _logger;

        public bool Log(HangfireLog.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                var logger = _logger ??= factory.CreateLogger(name);
                var level = (LogLevel)(int)logLevel;
                if (messageFunc is null)
                    return logger.IsEnabled(level);
                if (logger.IsEnabled(level))
                    logger.Log(level, 0, exception, "{Message}", messageFunc());
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
