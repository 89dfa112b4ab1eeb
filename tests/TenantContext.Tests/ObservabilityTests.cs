using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Tenancy.Tests;

/// <summary>Metrics, Activity tags and log scopes carry the tenant. Slugs are unique: other tests run in parallel.</summary>
public sealed class ObservabilityTests
{
    /// <summary>Records every measurement of the TenantContext meter as (instrument, tenant, value).</summary>
    private sealed class MetricsRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, string? Tenant, long Value)> _measurements = new();

        public MetricsRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TenantMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string? tenant = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == TenantMetrics.TenantTag)
                    {
                        tenant = tag.Value as string;
                    }
                }

                _measurements.Enqueue((instrument.Name, tenant, value));
            });
            _listener.Start();
        }

        public long Sum(string instrument, string tenant)
            => _measurements.Where(m => m.Instrument == instrument && m.Tenant == tenant).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }

    private static TenantConfiguration Build(int max = 1024) => TenantConfiguration.Build(b => b
        .MaxCachedTenants(max)
        .Add(t => new ServiceA(t.Slug))
        .Add(t => new TransientThing(t.Slug), TenantLifetime.Transient));

    [Fact]
    public void Entering_a_scope_counts_on_scopes_entered_with_the_tenant_tag()
    {
        var slug = Slugs.Unique("obs");
        using var recorder = new MetricsRecorder();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            for (int i = 0; i < 3; i++)
            {
                TenantContext.Run(slug, () => { });
            }
        }

        Assert.Equal(3, recorder.Sum("tenantcontext.scopes.entered", slug));
    }

    [Fact]
    public void Creating_a_per_tenant_resource_counts_once_on_resources_created()
    {
        var slug = Slugs.Unique("obs");
        using var recorder = new MetricsRecorder();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            TenantContext.Run(slug, () => TenantContext.Get<ServiceA>());
            TenantContext.Run(slug, () => TenantContext.Get<ServiceA>());
        }

        Assert.Equal(1, recorder.Sum("tenantcontext.resources.created", slug));
    }

    [Fact]
    public void Every_transient_resource_counts_on_resources_created()
    {
        var slug = Slugs.Unique("obs");
        using var recorder = new MetricsRecorder();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter(slug))
        {
            TenantContext.Get<TransientThing>();
            TenantContext.Get<TransientThing>();
        }

        Assert.Equal(2, recorder.Sum("tenantcontext.resources.created", slug));
    }

    [Fact]
    public void Evicting_a_tenant_counts_its_resources_on_resources_evicted()
    {
        var first = Slugs.Unique("obs");
        var second = Slugs.Unique("obs");
        using var recorder = new MetricsRecorder();
        using var configuration = Build(max: 1);
        using (TenantContext.UseConfiguration(configuration))
        {
            TenantContext.Run(first, () => TenantContext.Get<ServiceA>());
            TenantContext.Run(second, () => TenantContext.Get<ServiceA>());
        }

        Assert.Equal(1, recorder.Sum("tenantcontext.resources.evicted", first));
        Assert.Equal(0, recorder.Sum("tenantcontext.resources.evicted", second));
    }

    [Fact]
    public void Forgetting_a_tenant_counts_its_resources_on_resources_evicted()
    {
        var slug = Slugs.Unique("obs");
        using var recorder = new MetricsRecorder();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            TenantContext.Run(slug, () => TenantContext.Get<ServiceA>());
        }

        configuration.Forget(slug);
        Assert.Equal(1, recorder.Sum("tenantcontext.resources.evicted", slug));
    }

    [Fact]
    public void Enter_tags_the_current_activity_with_the_tenant()
    {
        var sourceName = "Tenancy.Tests." + Guid.NewGuid().ToString("n");
        using var source = new ActivitySource(sourceName);
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (var activity = source.StartActivity("request"))
        {
            Assert.NotNull(activity);
            using (TenantContext.Enter("acme"))
            {
                Assert.Equal("acme", activity.GetTagItem(TenantMetrics.TenantTag));
            }
        }
    }

    private sealed class RecordedSource : IDisposable
    {
        private readonly ActivityListener _listener;

        public RecordedSource()
        {
            var name = "Tenancy.Tests." + Guid.NewGuid().ToString("n");
            Source = new ActivitySource(name);
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public ActivitySource Source { get; }

        public void Dispose()
        {
            _listener.Dispose();
            Source.Dispose();
        }
    }

    [Fact]
    public void A_nested_scope_of_another_tenant_restores_the_activity_tag_when_it_ends()
    {
        using var recorded = new RecordedSource();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (var activity = recorded.Source.StartActivity("request"))
        {
            Assert.NotNull(activity);
            using (TenantContext.Enter("acme"))
            {
                using (TenantContext.Enter("admin"))
                {
                    Assert.Equal("admin", activity.GetTagItem(TenantMetrics.TenantTag));
                }

                Assert.Equal("acme", activity.GetTagItem(TenantMetrics.TenantTag));
            }
        }
    }

    [Fact]
    public void A_span_keeps_the_tenant_of_the_outermost_scope_entered_under_it_after_that_scope_ends()
    {
        using var recorded = new RecordedSource();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (var activity = recorded.Source.StartActivity("request"))
        {
            Assert.NotNull(activity);
            using (TenantContext.Enter("acme"))
            {
                using (TenantContext.Enter("other"))
                {
                }
            }

            using (TenantContext.Enter("later"))
            {
            }

            Assert.Equal("acme", activity.GetTagItem(TenantMetrics.TenantTag));
        }
    }

    [Fact]
    public void Metric_tenant_tags_are_bounded_and_tenants_past_the_bound_share_one_tag()
    {
        var slugs = Enumerable.Range(0, 3).Select(_ => Slugs.Unique("obs")).ToArray();
        using var recorder = new MetricsRecorder();
        using var configuration = TenantConfiguration.Build(b => b.MetricTenantTags(2));
        using (TenantContext.UseConfiguration(configuration))
        {
            foreach (var slug in slugs)
            {
                TenantContext.Run(slug, () => { });
            }
        }

        Assert.Equal(1, recorder.Sum("tenantcontext.scopes.entered", slugs[0]));
        Assert.Equal(1, recorder.Sum("tenantcontext.scopes.entered", slugs[1]));
        Assert.Equal(0, recorder.Sum("tenantcontext.scopes.entered", slugs[2]));
        Assert.True(recorder.Sum("tenantcontext.scopes.entered", TenantMetrics.OtherTenants) >= 1);
    }

    [Fact]
    public void A_bound_of_zero_turns_per_tenant_metric_tags_off()
    {
        var slug = Slugs.Unique("obs");
        using var recorder = new MetricsRecorder();
        using var configuration = TenantConfiguration.Build(b => b.MetricTenantTags(0));
        using (TenantContext.UseConfiguration(configuration))
        {
            TenantContext.Run(slug, () => { });
        }

        Assert.Equal(0, recorder.Sum("tenantcontext.scopes.entered", slug));
    }

    [Fact]
    public void MetricTenantTags_refuses_a_negative_bound()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TenantConfiguration.Build(b => b.MetricTenantTags(-1)));
    }

    /// <summary>A logger that records the state of every scope it begins.</summary>
    private sealed class ScopeRecorder : ILogger
    {
        public List<object> Scopes { get; } = new();

        public IDisposable BeginScope<TState>(TState state) where TState : notnull
        {
            Scopes.Add(state);
            return new Ender();
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }

        private sealed class Ender : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    [Fact]
    public void BeginTenantScope_begins_a_log_scope_whose_state_carries_the_tenant()
    {
        var logger = new ScopeRecorder();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        using (logger.BeginTenantScope())
        {
        }

        var state = Assert.IsAssignableFrom<IEnumerable<KeyValuePair<string, object?>>>(Assert.Single(logger.Scopes));
        Assert.Equal([new KeyValuePair<string, object?>(TenantLogging.TenantProperty, "acme")], state);
        Assert.Equal("Tenant", TenantLogging.TenantProperty);
    }

    [Fact]
    public void The_tenant_log_scope_formats_as_Tenant_colon_slug()
    {
        var logger = new ScopeRecorder();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        using (logger.BeginTenantScope())
        {
        }

        Assert.Equal("Tenant:acme", Assert.Single(logger.Scopes).ToString());
    }

    [Fact]
    public void BeginTenantScope_outside_a_scope_begins_nothing()
    {
        var logger = new ScopeRecorder();
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Null(logger.BeginTenantScope());
        }

        Assert.Empty(logger.Scopes);
    }

    [Fact]
    public void BeginTenantScope_with_an_explicit_tenant_carries_that_tenant()
    {
        var logger = new ScopeRecorder();
        using (logger.BeginTenantScope(new TenantInfo("explicit")))
        {
        }

        var state = Assert.IsAssignableFrom<IEnumerable<KeyValuePair<string, object?>>>(Assert.Single(logger.Scopes));
        Assert.Contains(new KeyValuePair<string, object?>("Tenant", "explicit"), state);
    }
}
