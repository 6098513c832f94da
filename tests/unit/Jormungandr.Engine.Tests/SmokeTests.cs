namespace Jormungandr.Tests;

public class EngineSmokeTests
{
    [Fact]
    public void Core_assembly_loads() => Assert.Equal("Jormungandr.Core", typeof(Jormungandr.Commands.ExitCodes).Assembly.GetName().Name);
}
