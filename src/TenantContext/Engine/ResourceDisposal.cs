namespace Tenancy;

/// <summary>Disposes resources the way their owners need: in reverse order of creation, every one even when some fail.</summary>
internal static class ResourceDisposal
{
    internal static void DisposeAll(object?[] values)
    {
        List<Exception>? errors = null;
        for (int i = values.Length - 1; i >= 0; i--)
        {
            try
            {
                switch (values[i])
                {
                    case IDisposable d:
                        d.Dispose();
                        break;
                    case IAsyncDisposable ad:
                        ad.DisposeAsync().AsTask().GetAwaiter().GetResult();
                        break;
                }
            }
            catch (Exception ex)
            {
                (errors ??= new()).Add(ex);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException("Disposing per-scope tenant resources failed.", errors);
        }
    }

    internal static async ValueTask DisposeAllAsync(object?[] values)
    {
        List<Exception>? errors = null;
        for (int i = values.Length - 1; i >= 0; i--)
        {
            try
            {
                await DisposeAsync(values[i]).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                (errors ??= new()).Add(ex);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException("Disposing per-scope tenant resources failed.", errors);
        }
    }

    internal static ValueTask DisposeAsync(object? value)
    {
        switch (value)
        {
            case IAsyncDisposable ad:
                return ad.DisposeAsync();
            case IDisposable d:
                d.Dispose();
                return default;
            default:
                return default;
        }
    }
}
