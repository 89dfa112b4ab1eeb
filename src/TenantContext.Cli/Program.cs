using Tenancy.Cli;

return await Tenantctl.RunAsync(args).ConfigureAwait(false);
