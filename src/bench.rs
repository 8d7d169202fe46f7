pub async fn run(_p: &crate::config::Paths, _c: &crate::config::BenchConfig) -> anyhow::Result<()> { anyhow::bail!("todo") }
