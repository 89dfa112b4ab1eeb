using System.Diagnostics;
using System.Globalization;

namespace WikiFarm;

/// <summary>
/// Where a request's time goes: tenant resolution (<c>UseTenantContext</c>, with the routing it adds), the farm's own
/// database (users and ACLs), the wiki's database through EF Core, git, and Markdown rendering. Always measured (a few
/// <see cref="Stopwatch.GetTimestamp"/> calls); sent as a <c>Server-Timing</c> header only with
/// <c>WikiFarm:ServerTiming = true</c> (the load test reads it).
/// </summary>
public sealed class RequestTimings
{
    private static readonly object Key = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _resolution;
    private long _farm;
    private long _ef;
    private long _git;
    private long _render;

    /// <summary>The stages measured.</summary>
    public enum Stage
    {
        /// <summary>The farm's database (platform.db): users and ACLs.</summary>
        Farm,

        /// <summary>The wiki's database through EF Core.</summary>
        Ef,

        /// <summary>The wiki's git repository.</summary>
        Git,

        /// <summary>Markdown to sanitized HTML.</summary>
        Render,
    }

    /// <summary>The request's timings (a throw-away instance when the middleware is not in the pipeline).</summary>
    public static RequestTimings Of(HttpContext http) => http.Items[Key] as RequestTimings ?? new RequestTimings();

    /// <summary>Runs <paramref name="work"/> and adds its time to <paramref name="stage"/>.</summary>
    public T Time<T>(Stage stage, Func<T> work)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return work();
        }
        finally
        {
            long elapsed = Stopwatch.GetTimestamp() - started;
            switch (stage)
            {
                case Stage.Farm: _farm += elapsed; break;
                case Stage.Ef: _ef += elapsed; break;
                case Stage.Git: _git += elapsed; break;
                default: _render += elapsed; break;
            }
        }
    }

    /// <summary>Starts the request's timings (first in the pipeline) and, with <see cref="FarmSettings.ServerTiming"/>, sends them.</summary>
    public static IApplicationBuilder Start(IApplicationBuilder app, FarmSettings settings) => app.Use(async (http, next) =>
    {
        var timings = new RequestTimings();
        http.Items[Key] = timings;
        if (settings.ServerTiming)
        {
            http.Response.OnStarting(() =>
            {
                http.Response.Headers["Server-Timing"] = timings.ToString();
                return Task.CompletedTask;
            });
        }

        await next(http);
    });

    /// <summary>Measures the middleware <paramref name="resolve"/> adds (<c>UseTenantContext</c>) as the resolution stage.</summary>
    public static IApplicationBuilder AroundResolution(IApplicationBuilder app, Func<IApplicationBuilder, IApplicationBuilder> resolve)
    {
        app.Use((http, next) =>
        {
            if (http.Items[Key] is RequestTimings timings)
            {
                timings._resolution = Stopwatch.GetTimestamp();
            }

            return next(http);
        });
        resolve(app);
        return app.Use((http, next) =>
        {
            if (http.Items[Key] is RequestTimings timings)
            {
                timings._resolution = Stopwatch.GetTimestamp() - timings._resolution;
            }

            return next(http);
        });
    }

    /// <summary>The <c>Server-Timing</c> value: <c>resolve;dur=…, farm;dur=…, ef;dur=…, git;dur=…, render;dur=…, total;dur=…</c> (ms).</summary>
    public override string ToString()
    {
        static string Ms(long ticks) => (ticks * 1000.0 / Stopwatch.Frequency).ToString("0.###", CultureInfo.InvariantCulture);
        return $"resolve;dur={Ms(_resolution)}, farm;dur={Ms(_farm)}, ef;dur={Ms(_ef)}, git;dur={Ms(_git)}, render;dur={Ms(_render)}, total;dur={Ms(Stopwatch.GetTimestamp() - _started)}";
    }
}
