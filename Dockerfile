# Production-like image for docker-compose.yml (web, worker, beat share it).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY wms ./wms
COPY channels_app ./channels_app
COPY compliance ./compliance
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "wms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
